import { backend } from "../backend/index.js";
import { DeviceError } from "../errors.js";
import { batchByTokens } from "../data/index.js";
import { evaluate } from "../eval/evaluate.js";
import { Adam } from "../train/optimizer.js";
import { cosineRate, noamRate } from "../train/schedule.js";
import { applyGradients, computeGradients } from "../train/step.js";
import { type RunParts, readRun } from "./checkpoint.js";
import { checkStep, checkValidation, checkWeights } from "./divergence.js";
import { type GivenOptions, type RunOptions, newRunOptions, resumedRunOptions } from "./options.js";
import { type InitialParts, checkInitFrom, initialParts } from "./init-from.js";
import { findResumePoint } from "./resume-point.js";
import { RunFolder } from "./run-folder.js";
import { type RunData, loadData, newRun, recorded } from "./start.js";
import type { TrainingState } from "./state.js";

export interface LogEvent { step: number; totalSteps: number | null; loss: number; lr: number; tokensPerSecond: number; elapsedSeconds: number; etaSeconds: number | null }
export interface EvalEvent { step: number; validLoss: number; perplexity: number; accuracy?: number; shuffledSourceLoss?: number; best: boolean }

export interface TrainEvents {
  info?(message: string): void;
  log?(e: LogEvent): void;
  eval?(e: EvalEvent): void;
  save?(dir: string, step: number): void;
}

export interface TrainResult {
  step: number;
  interrupted: boolean;
  finalTrainLoss: number;
  validLoss: number | null;
  baselineLoss: number | null;
}

/** Set `stop` (e.g. on Ctrl-C) and the loop saves and returns after the step in progress. */
export interface StopSignal {
  stop: boolean;
}

/** What a door asks for: a run's options, and whether the run may replace what --out holds (--overwrite). */
export type RunRequest = GivenOptions & { overwrite?: boolean };

/** A sitting ready to train: the run's state and parts, its data, the optimizer with its moments. */
interface Sitting extends RunData {
  state: TrainingState;
  parts: RunParts;
  opt: Adam;
}

/** Parts, data and optimizer of a new or resumed run, and the run folder made the run's (RunFolder.begin). */
function open(o: RunOptions, saved: ReturnType<typeof readRun> | undefined, folder: RunFolder, info: (m: string) => void, initial?: InitialParts): Sitting {
  const { state, parts } = saved ?? newRun(o, info, initial?.parts);
  if (saved) state.options = recorded(o); // kept options typed again hold from here on, and are saved with the run
  const { model } = parts;
  model.rng.setState(state.rng);
  const data = loadData(o, parts, model.config, info);
  const c = model.config;
  const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
  info(`model: ${c.architecture}, d_model ${c.d_model}, ${c.num_heads} heads, d_ff ${c.d_ff}, ${nParams.toLocaleString("en")} parameters; backend ${backend().name}`);
  const opt = new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9, weightDecay: o.weightDecay, decoupled: o.weightDecay > 0 });
  saved?.loadMoments(opt);
  folder.begin(parts, opt, state);
  return { state, parts, opt, ...data };
}

/** Trains, or resumes, a model; see TrainOptions. */
export async function trainModel(given: RunRequest, events: TrainEvents = {}, signal: StopSignal = { stop: false }): Promise<TrainResult> {
  const info = events.info ?? (() => {});
  checkInitFrom(given);
  const initial = given.initFrom !== undefined ? initialParts({ ...given, initFrom: given.initFrom }) : undefined;
  const point = given.resume !== undefined ? findResumePoint(given.resume) : undefined;
  const saved = point ? readRun(point.dir) : undefined;
  const o = saved ? resumedRunOptions(saved.state.options as unknown as RunOptions, given) : newRunOptions(initial?.given ?? given);
  const folder = RunFolder.prepare(o.out, { point, overwrite: given.overwrite === true, keep: o.keep }, info);
  if (point) info(`resuming ${point.dir} at step ${point.step}`);
  let sitting: Sitting;
  try {
    sitting = open(o, saved, folder, info, initial);
  } catch (e) {
    folder.abandon();
    throw e;
  }
  const { state, parts, opt, train, valid, baseline } = sitting;
  const { model } = parts;
  const config = model.config;
  const drawCurve = () => folder.metrics.drawCurve(`${config.architecture} ${o.preset}: loss`, baseline);
  if (point) drawCurve(); // a save cut short by a kill may not have drawn it
  const rate = (step: number) => o.schedule === "noam" ? noamRate(step, config.d_model, o.lrFactor, o.warmup) : cosineRate(step, o.lr, o.warmup, o.steps!, 0);

  let epochBatches = batchByTokens(train.lengths, { maxTokens: o.batchTokens, shuffle: true, seed: o.seed * 1000 + state.epoch });
  const nextBatch = () => {
    if (state.batchInEpoch >= epochBatches.length) {
      state.epoch++;
      state.batchInEpoch = 0;
      epochBatches = batchByTokens(train.lengths, { maxTokens: o.batchTokens, shuffle: true, seed: o.seed * 1000 + state.epoch });
    }
    return train.batch(epochBatches[state.batchInEpoch++]);
  };

  const kept = () => `${o.out} still holds the checkpoint of step ${folder.current}`;
  let lastValid: number | null = null;
  /** Evaluates; true when the loss is the best so far. */
  const runEval = (): boolean => {
    if (!valid) return false;
    const r = evaluate(model, valid, o.batchTokens, o.validBatches);
    checkValidation(state.step, r.loss, o, kept());
    const best = state.bestValidLoss === null || r.loss < state.bestValidLoss;
    if (best) {
      state.bestValidLoss = r.loss;
      state.bestStep = state.step;
    }
    state.evaluatedStep = state.step;
    lastValid = r.loss;
    folder.metrics.append({
      type: "valid", step: state.step, loss: r.loss, ppl: Math.exp(r.loss),
      ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
      ...(r.shuffledSourceLoss !== undefined ? { loss_shuffled_src: r.shuffledSourceLoss } : {}),
    });
    events.eval?.({ step: state.step, validLoss: r.loss, perplexity: Math.exp(r.loss), accuracy: r.accuracy, shuffledSourceLoss: r.shuffledSourceLoss, best });
    return best;
  };

  const start = Date.now();
  const elapsedBefore = state.elapsedSeconds;
  /** Whether the state in memory differs from the last checkpoint. */
  let unsaved = false;
  const save = () => {
    checkWeights(state.step, opt, o, kept());
    state.rng = model.rng.getState();
    state.elapsedSeconds = elapsedBefore + (Date.now() - start) / 1000;
    folder.commit(parts, opt, state);
    drawCurve();
    events.save?.(o.out, state.step);
    unsaved = false;
  };

  const deadline = o.minutes !== undefined ? start + o.minutes * 60_000 : Infinity;
  const startStep = state.step;
  let windowLoss = 0, windowSteps = 0, windowTokens = 0, windowStart = Date.now(), lastLoss = NaN;
  /** The step being computed, evaluated or saved: where a failed GPU stopped the run. */
  let working = state.step;
  /** The steps, the final evaluation and save: everything that runs kernels on the model's backend. */
  const loop = async (): Promise<void> => {
    while ((o.steps === undefined || state.step < o.steps) && Date.now() < deadline && !signal.stop) {
      const batches = [];
      for (let a = 0; a < o.accum; a++) {
        const { batch, tokens } = nextBatch();
        batches.push(batch);
        windowTokens += tokens;
        state.tokensSeen += tokens;
      }
      working = state.step + 1;
      const r = computeGradients(model, opt, batches, { labelSmoothing: o.labelSmoothing, clip: o.clip });
      checkStep(state.step + 1, r, o, kept());
      applyGradients(opt, rate(state.step + 1));
      state.step++;
      unsaved = true;
      lastLoss = r.loss;
      windowLoss += r.loss;
      windowSteps++;
      if (state.step % o.logEvery === 0 || state.step === o.steps) {
        const now = Date.now();
        const tps = windowTokens / ((now - windowStart) / 1000);
        const perStep = (now - start) / 1000 / (state.step - startStep);
        const byStep = o.steps !== undefined ? (o.steps - state.step) * perStep : Infinity;
        const byTime = (deadline - now) / 1000;
        const eta = Math.min(byStep, byTime);
        const ev: LogEvent = { step: state.step, totalSteps: o.steps ?? null, loss: windowLoss / windowSteps, lr: opt.lr, tokensPerSecond: tps, elapsedSeconds: elapsedBefore + (now - start) / 1000, etaSeconds: Number.isFinite(eta) ? eta : null };
        folder.metrics.append({ type: "train", step: ev.step, loss: ev.loss, lr: ev.lr, tokens_per_s: Math.round(tps), elapsed_s: Number(ev.elapsedSeconds.toFixed(1)) });
        events.log?.(ev);
        windowLoss = 0; windowSteps = 0; windowTokens = 0; windowStart = now;
      }
      const best = state.step % o.evalEvery === 0 && runEval();
      if (state.step % o.saveEvery === 0 || best) save(); // a new best is saved at once: best/ holds its weights
      await new Promise<void>((r) => setImmediate(r)); // let Ctrl-C and progress output through
    }
    // the end of the run (or an interruption): the final evaluation, once, and a save unless this state is on disk
    working = state.step;
    if (valid && state.evaluatedStep !== state.step) {
      runEval();
      unsaved = true;
    }
    if (unsaved) save();
  };

  model.train();
  try {
    await loop();
  } catch (e) {
    // the GPU's state is gone with it; the folder is not: say what it still holds, as a diverged run does
    if (e instanceof DeviceError) throw new DeviceError(`step ${working}: ${e.message}; ${kept()}`);
    throw e;
  }
  if (o.averageLast !== undefined && state.step === o.steps) {
    const steps = folder.average(o.averageLast);
    info(`averaged the checkpoints of steps ${steps.join(", ")} into ${o.out}/averaged`);
  }
  return { step: state.step, interrupted: signal.stop, finalTrainLoss: lastLoss, validLoss: lastValid, baselineLoss: baseline };
}
