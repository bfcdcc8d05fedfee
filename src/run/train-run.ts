import * as fs from "node:fs";
import * as path from "node:path";
import { architectureTask, loadDataset } from "../architectures/registry.js";
import { backend } from "../backend/index.js";
import { batchByTokens } from "../data/index.js";
import { evaluate } from "../eval/evaluate.js";
import { type ModelConfig, buildModel, initParameters, modelArchitecture, separateTargetKey, targetVocabSize } from "../models/index.js";
import { Rng } from "../tensor/index.js";
import { Tokenizer } from "../tokenizer/index.js";
import { type Dataset, unigramBaseline } from "../train/dataset.js";
import { Adam } from "../train/optimizer.js";
import { presetConfig } from "../train/presets.js";
import { cosineRate, noamRate } from "../train/schedule.js";
import { trainStep } from "../train/step.js";
import { type RunParts, readRun, writeCheckpoint, writeCheckpointFolder } from "./checkpoint.js";
import { BEST_DIR, CHECKPOINTS_DIR, METRICS_FILE, STEP_DIR_PATTERN, stepDirName } from "./format.js";
import { MetricsLog } from "./metrics.js";
import { type GivenOptions, type RunOptions, newRunOptions, resumedRunOptions } from "./options.js";
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

/** A new run: tokenizers trained on the training file, a freshly initialised model, the state at step 0. */
function newRun(o: RunOptions, info: (m: string) => void): { state: TrainingState; parts: RunParts } {
  const texts = architectureTask(o.arch).readTexts(o.data, o);
  const separate = !o.sharedVocab && separateTargetKey(modelArchitecture(o.arch)) !== undefined;
  const t0 = Date.now();
  let srcTokenizer: Tokenizer;
  let tgtTokenizer: Tokenizer;
  if (separate) {
    srcTokenizer = Tokenizer.train(texts.src, { vocabSize: o.vocabSize });
    tgtTokenizer = Tokenizer.train(texts.tgt, { vocabSize: o.vocabSize });
  } else {
    srcTokenizer = Tokenizer.train([...texts.src, ...texts.tgt], { vocabSize: o.vocabSize });
    tgtTokenizer = srcTokenizer;
  }
  info(`trained ${separate ? "source and target" : "a shared"} byte-level BPE tokenizer (${srcTokenizer.vocabSize} tokens) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const labels = [...new Set(texts.labels)].sort(); // empty for unlabelled data; only a classifier's preset reads them
  const config = presetConfig(o.arch, o.preset, {
    srcVocabSize: srcTokenizer.vocabSize, tgtVocabSize: tgtTokenizer.vocabSize, numClasses: labels.length,
    maxLen: o.maxLen, dropout: o.dropout, labels, tieWordEmbeddings: o.tieEmbeddings,
  });
  const model = buildModel(config, new Rng(o.seed));
  initParameters(model, o.seed);
  const state: TrainingState = {
    step: 0, epoch: 0, batchInEpoch: 0, rng: new Rng(o.seed + 1).getState(), bestValidLoss: null, elapsedSeconds: 0,
    tokensSeen: 0, options: { ...o } as Record<string, unknown>, batching: "per-side",
  };
  return { state, parts: { model, srcTokenizer, tgtTokenizer, separateTarget: srcTokenizer !== tgtTokenizer } };
}

/** The training and validation sets, the unigram baseline, and what they hold said through `info`. */
function loadData(o: RunOptions, parts: RunParts, config: ModelConfig, info: (m: string) => void): { train: Dataset; valid: Dataset | null; baseline: number | null } {
  const special = { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id };
  const common = { ...o, srcTokenizer: parts.srcTokenizer, tgtTokenizer: parts.tgtTokenizer, special, maxLen: config.max_len };
  const labels = (config as { labels?: string[] }).labels;
  const train = loadDataset({ ...common, arch: config.architecture, file: o.data, labels });
  info(`${o.data}: ${train.size} examples (${train.dropped.tooLong} longer than max_len ${config.max_len} dropped, ${train.dropped.empty} empty, ${train.dropped.badRows} malformed rows skipped)`);
  const valid = o.valid ? loadDataset({ ...common, arch: config.architecture, file: o.valid, labels: train.labels }) : null;
  let baseline: number | null = null;
  if (valid) {
    info(`${o.valid}: ${valid.size} examples`);
    const V = targetVocabSize(config); // none for a classifier: its targets are labels
    if (V !== undefined) {
      baseline = unigramBaseline(train, valid, V, new Set([config.pad_id]));
      info(`unigram baseline on the validation set: ${baseline.toFixed(3)} nats/token (a model must get clearly below this)`);
    }
  }
  return { train, valid, baseline };
}

/** Trains, or resumes, a model; see TrainOptions. */
export async function trainModel(given: GivenOptions, events: TrainEvents = {}, signal: StopSignal = { stop: false }): Promise<TrainResult> {
  const info = events.info ?? (() => {});
  let o: RunOptions;
  let state: TrainingState;
  let parts: RunParts;
  let loadMoments: ((opt: Adam) => void) | undefined;
  if (given.resume) {
    const run = readRun(given.resume);
    o = resumedRunOptions(run.state.options as unknown as RunOptions, given);
    ({ state, parts, loadMoments } = run);
    info(`resuming ${given.resume} at step ${state.step}`);
  } else {
    o = newRunOptions(given);
    ({ state, parts } = newRun(o, info));
  }
  const { model } = parts;
  const config = model.config;
  model.rng.setState(state.rng);
  const { train, valid, baseline } = loadData(o, parts, config, info);
  const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
  info(`model: ${config.architecture}, d_model ${config.d_model}, ${config.num_heads} heads, d_ff ${config.d_ff}, ${nParams.toLocaleString("en")} parameters; backend ${backend().name}`);

  const opt = new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9, weightDecay: o.weightDecay, decoupled: o.weightDecay > 0 });
  loadMoments?.(opt);
  const rate = (step: number) => o.schedule === "noam" ? noamRate(step, config.d_model, o.lrFactor, o.warmup) : cosineRate(step, o.lr, o.warmup, o.steps!, 0);

  fs.mkdirSync(o.out, { recursive: true });
  const metrics = new MetricsLog(o.out);
  if (!given.resume || path.resolve(given.resume) !== path.resolve(o.out)) {
    // a fresh run starts a fresh log; a resume into another folder carries the log over
    const carried = given.resume && fs.existsSync(path.join(given.resume, METRICS_FILE)) ? fs.readFileSync(path.join(given.resume, METRICS_FILE)) : "";
    metrics.start(carried);
  }

  let epochBatches = batchByTokens(train.lengths, { maxTokens: o.batchTokens, shuffle: true, seed: o.seed * 1000 + state.epoch });
  const nextBatch = () => {
    if (state.batchInEpoch >= epochBatches.length) {
      state.epoch++;
      state.batchInEpoch = 0;
      epochBatches = batchByTokens(train.lengths, { maxTokens: o.batchTokens, shuffle: true, seed: o.seed * 1000 + state.epoch });
    }
    return train.batch(epochBatches[state.batchInEpoch++]);
  };

  let lastValid: number | null = null;
  const runEval = () => {
    if (!valid) return;
    const r = evaluate(model, valid, o.batchTokens, o.validBatches);
    const best = state.bestValidLoss === null || r.loss < state.bestValidLoss;
    if (best) state.bestValidLoss = r.loss;
    lastValid = r.loss;
    metrics.append({
      type: "valid", step: state.step, loss: r.loss, ppl: Math.exp(r.loss),
      ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
      ...(r.shuffledSourceLoss !== undefined ? { loss_shuffled_src: r.shuffledSourceLoss } : {}),
    });
    events.eval?.({ step: state.step, validLoss: r.loss, perplexity: Math.exp(r.loss), accuracy: r.accuracy, shuffledSourceLoss: r.shuffledSourceLoss, best });
    return best;
  };
  let savedStep = -1;
  const save = (isBest: boolean) => {
    savedStep = state.step;
    state.rng = model.rng.getState();
    writeCheckpoint(o.out, parts, opt, state);
    const ckpts = path.join(o.out, CHECKPOINTS_DIR);
    writeCheckpointFolder(path.join(ckpts, stepDirName(state.step)), parts, opt, state);
    const old = fs.readdirSync(ckpts).filter((d) => STEP_DIR_PATTERN.test(d)).sort();
    for (const d of old.slice(0, Math.max(0, old.length - o.keep))) fs.rmSync(path.join(ckpts, d), { recursive: true, force: true });
    if (isBest) writeCheckpointFolder(path.join(o.out, BEST_DIR), parts, opt, state);
    metrics.drawCurve(`${config.architecture} ${o.preset}: loss`, baseline);
    events.save?.(o.out, state.step);
  };

  const start = Date.now();
  const elapsedBefore = state.elapsedSeconds;
  const deadline = o.minutes !== undefined ? start + o.minutes * 60_000 : Infinity;
  const startStep = state.step;
  let windowLoss = 0, windowSteps = 0, windowTokens = 0, windowStart = Date.now(), lastLoss = NaN;
  model.train();
  while ((o.steps === undefined || state.step < o.steps) && Date.now() < deadline && !signal.stop) {
    const batches = [];
    for (let a = 0; a < o.accum; a++) {
      const { batch, tokens } = nextBatch();
      batches.push(batch);
      windowTokens += tokens;
      state.tokensSeen += tokens;
    }
    const { loss: stepLoss } = trainStep(model, opt, batches, { labelSmoothing: o.labelSmoothing, clip: o.clip, lr: rate(state.step + 1) });
    state.step++;
    lastLoss = stepLoss;
    windowLoss += stepLoss;
    windowSteps++;
    if (state.step % o.logEvery === 0 || state.step === o.steps) {
      const now = Date.now();
      const tps = windowTokens / ((now - windowStart) / 1000);
      const perStep = (now - start) / 1000 / (state.step - startStep);
      const byStep = o.steps !== undefined ? (o.steps - state.step) * perStep : Infinity;
      const byTime = (deadline - now) / 1000;
      const eta = Math.min(byStep, byTime);
      const ev: LogEvent = { step: state.step, totalSteps: o.steps ?? null, loss: windowLoss / windowSteps, lr: opt.lr, tokensPerSecond: tps, elapsedSeconds: elapsedBefore + (now - start) / 1000, etaSeconds: Number.isFinite(eta) ? eta : null };
      metrics.append({ type: "train", step: ev.step, loss: ev.loss, lr: ev.lr, tokens_per_s: Math.round(tps), elapsed_s: Number(ev.elapsedSeconds.toFixed(1)) });
      events.log?.(ev);
      windowLoss = 0; windowSteps = 0; windowTokens = 0; windowStart = now;
    }
    const evalNow = state.step % o.evalEvery === 0;
    const best = evalNow ? runEval() ?? false : false;
    if (state.step % o.saveEvery === 0) {
      state.elapsedSeconds = elapsedBefore + (Date.now() - start) / 1000;
      save(best);
    }
    await new Promise<void>((r) => setImmediate(r)); // let Ctrl-C and progress output through
  }
  // the end of the run (or an interruption): evaluate unless just done, and save
  const evaluatedNow = state.step % o.evalEvery === 0 && state.step > startStep;
  const best = !evaluatedNow ? runEval() ?? false : state.bestValidLoss === lastValid && lastValid !== null;
  state.elapsedSeconds = elapsedBefore + (Date.now() - start) / 1000;
  // save unless this very state is on disk already (an evaluation after the last save can change best/)
  if (savedStep !== state.step || (!evaluatedNow && best)) save(best);
  return { step: state.step, interrupted: signal.stop, finalTrainLoss: lastLoss, validLoss: lastValid, baselineLoss: baseline };
}
