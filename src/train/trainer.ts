import * as fs from "node:fs";
import * as path from "node:path";
import { backend } from "../backend/index.js";
import { batchByTokens } from "../data/index.js";
import { OptionError } from "../errors.js";
import { type Architecture, type Model, type ModelConfig, buildModel, initParameters } from "../models/index.js";
import { loadCheckpoint, saveCheckpoint } from "../models/checkpoint.js";
import { inference } from "../nn/index.js";
import { Rng } from "../tensor/index.js";
import { Tokenizer } from "../tokenizer/index.js";
import { loadTokenizer, saveTokenizer } from "../tokenizer/file.js";
import { clipGradNorm } from "./clip.js";
import { type Dataset, type TextColumns, loadDataset, readTexts, unigramBaseline } from "./dataset.js";
import { type TrainBatch, forwardLoss } from "./loss.js";
import { lossCurveSvg } from "./loss-curve.js";
import { Adam } from "./optimizer.js";
import { presetConfig, presetLrFactor } from "./presets.js";
import { cosineRate, noamRate } from "./schedule.js";
import { OPTIMIZER_FILE, type TrainingState, loadOptimizer, loadState, saveOptimizer, saveState } from "./state.js";

export const TOKENIZER_FILE = "tokenizer.json";
/** Only when source and target vocabularies are separate (seq2seq). */
export const TARGET_TOKENIZER_FILE = "tokenizer.target.json";
export const METRICS_FILE = "metrics.jsonl";
export const LOSS_CURVE_FILE = "loss.svg";

/** Options of a training run; the CLI's flags map onto these one to one. */
export interface TrainOptions extends TextColumns {
  arch: Architecture;
  data: string;
  valid?: string;
  out: string;
  preset: string;
  /** Total optimizer steps of the run (a resumed run counts the steps already done). */
  steps?: number;
  /** Wall-clock budget of this invocation. */
  minutes?: number;
  seed: number;
  vocabSize: number;
  sharedVocab: boolean;
  maxLen: number;
  /** Padded tokens per batch on each side (batchSize × the longer of source and target ≤ batchTokens). */
  batchTokens: number;
  /** Batches whose gradients are summed into one optimizer step. */
  accum: number;
  dropout: number;
  labelSmoothing: number;
  schedule: "noam" | "cosine";
  warmup: number;
  /** noam: lr = lrFactor · dModel^−0.5 · min(step^−0.5, step · warmup^−1.5). Default: the preset's (presets.ts). */
  lrFactor?: number;
  /** cosine: peak learning rate. */
  lr: number;
  clip: number;
  weightDecay: number;
  logEvery: number;
  evalEvery: number;
  saveEvery: number;
  /** Earlier checkpoints kept under out/checkpoints. */
  keep: number;
  /** Validation batches per evaluation (0: all). */
  validBatches: number;
}

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

/** The options a run records in its state: TrainOptions with the learning-rate factor resolved (every saved run has one). */
type RunOptions = TrainOptions & { lrFactor: number };

/** The options that shape the model or its data: a resumed run must keep them. */
const FIXED_ON_RESUME = ["arch", "preset", "seed", "vocabSize", "sharedVocab", "maxLen", "batchTokens", "accum", "dropout",
  "labelSmoothing", "schedule", "warmup", "lrFactor", "lr", "weightDecay", "srcCol", "tgtCol", "textCol", "labelCol"] as const;

function checkOptions(o: TrainOptions): void {
  const posInt = (k: keyof TrainOptions) => {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) throw new OptionError(`--${kebab(k)} must be a positive integer, got ${v}`);
  };
  for (const k of ["steps", "vocabSize", "maxLen", "batchTokens", "accum", "warmup", "logEvery", "evalEvery", "saveEvery", "keep"] as const) posInt(k);
  if (o.steps === undefined && o.minutes === undefined) throw new OptionError("give --steps N or --minutes M (or both)");
  if (o.minutes !== undefined && !(o.minutes > 0)) throw new OptionError(`--minutes must be positive, got ${o.minutes}`);
  if (o.schedule === "cosine" && o.steps === undefined) throw new OptionError("--schedule cosine needs --steps (its decay is defined by the total)");
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new OptionError(`--dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) throw new OptionError(`--label-smoothing must be in [0, 1), got ${o.labelSmoothing}`);
  if (!(o.clip > 0)) throw new OptionError(`--clip must be positive, got ${o.clip}`);
  if (o.lrFactor !== undefined && !(o.lrFactor > 0)) throw new OptionError(`--lr-factor must be positive, got ${o.lrFactor}`);
  if (!(o.lr > 0)) throw new OptionError(`--lr must be positive, got ${o.lr}`);
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new OptionError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (!fs.existsSync(o.data)) throw new OptionError(`--data ${o.data}: file not found`);
  if (o.valid !== undefined && !fs.existsSync(o.valid)) throw new OptionError(`--valid ${o.valid}: file not found`);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** What evaluate measures. */
export interface EvalResult {
  /** Mean cross-entropy per target token, without label smoothing. */
  loss: number;
  /** encoder_only: the share of examples classified right. */
  accuracy?: number;
  /**
   * seq2seq: the same loss with each batch's sources rotated by one row, so that every target is scored against
   * another sentence's source (batches hold similar lengths, so the padding barely changes). About `loss` while
   * the model ignores its source and acts as a target-side language model; clearly above it once it translates.
   */
  shuffledSourceLoss?: number;
}

/** The seq2seq batch with its sources rotated by one row (row b gets source b + 1); single rows stay as they are. */
function rotateSources(batch: Extract<TrainBatch, { kind: "seq2seq" }>): TrainBatch {
  const { ids, batch: B, length: S } = batch.src;
  const rotated = new Int32Array(ids.length);
  for (let b = 0; b < B; b++) rotated.set(ids.subarray(((b + 1) % B) * S, ((b + 1) % B + 1) * S), b * S);
  return { ...batch, src: { ...batch.src, ids: rotated } };
}

/** Validation over a dataset: see EvalResult. */
export function evaluate(model: Model, data: Dataset, batchTokens: number, maxBatches: number): EvalResult {
  const batches = batchByTokens(data.lengths, { maxTokens: batchTokens, shuffle: false });
  const use = maxBatches > 0 ? batches.slice(0, maxBatches) : batches;
  let nats = 0;
  let shuffledNats = 0;
  let count = 0;
  let correct = 0;
  inference(model, () => {
    for (const idx of use) {
      const { batch } = data.batch(idx);
      const { logits, loss } = forwardLoss(model, batch, 0);
      let n: number;
      if (batch.kind === "encoder_only") {
        n = batch.labels.length;
        const C = logits.shape[1];
        for (let b = 0; b < n; b++) {
          let best = 0;
          for (let c = 1; c < C; c++) if (logits.data[b * C + c] > logits.data[b * C + best]) best = c;
          if (best === batch.labels[b]) correct++;
        }
      } else {
        const targets = batch.kind === "seq2seq" ? batch.tgtOut : batch.targets;
        n = targets.reduce((s, t) => s + (t === model.config.pad_id ? 0 : 1), 0);
      }
      nats += loss.item() * n;
      if (batch.kind === "seq2seq") shuffledNats += forwardLoss(model, rotateSources(batch), 0).loss.item() * n;
      count += n;
    }
  });
  return {
    loss: nats / count,
    accuracy: data.arch === "encoder_only" ? correct / count : undefined,
    shuffledSourceLoss: data.arch === "seq2seq" ? shuffledNats / count : undefined,
  };
}

/** Everything that goes in a checkpoint folder besides the training state. */
interface RunParts {
  model: Model;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  separateTarget: boolean;
}

function writeCheckpoint(dir: string, parts: RunParts, opt: Adam, state: TrainingState): void {
  fs.mkdirSync(dir, { recursive: true });
  saveCheckpoint(dir, parts.model, { training_step: String(state.step) });
  saveTokenizer(parts.srcTokenizer, path.join(dir, TOKENIZER_FILE));
  if (parts.separateTarget) saveTokenizer(parts.tgtTokenizer, path.join(dir, TARGET_TOKENIZER_FILE));
  saveOptimizer(path.join(dir, OPTIMIZER_FILE), opt, state.step);
  saveState(dir, state); // last: a state file always describes weights and moments already on disk
}

/** Writes a complete checkpoint as `dir` by building it beside and renaming it in: never a half-written folder. */
function writeCheckpointFolder(dir: string, parts: RunParts, opt: Adam, state: TrainingState): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  writeCheckpoint(tmp, parts, opt, state);
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** Trains, or resumes, a model; see TrainOptions. */
export async function trainModel(given: TrainOptions & { resume?: string; explicit?: ReadonlySet<string> }, events: TrainEvents = {}, signal: StopSignal = { stop: false }): Promise<TrainResult> {
  const info = events.info ?? (() => {});
  let o: RunOptions;
  let state: TrainingState;
  let parts: RunParts;
  let config: ModelConfig;
  if (given.resume) {
    state = loadState(given.resume);
    const saved = state.options as unknown as RunOptions;
    for (const k of FIXED_ON_RESUME) {
      if (given.explicit?.has(k) && given[k] !== saved[k]) {
        throw new OptionError(`--${kebab(k)} ${given[k]} differs from the resumed run's ${saved[k]}; a resumed run keeps its model and data options`);
      }
    }
    o = { ...saved, ...pick(given, ["data", "valid", "out", "steps", "minutes", "logEvery", "evalEvery", "saveEvery", "keep", "validBatches", "clip", "onBadRow"]) };
    checkOptions(o);
    const loaded = loadCheckpoint(given.resume, new Rng(0));
    config = loaded.config;
    const srcTokenizer = loadTokenizer(path.join(given.resume, TOKENIZER_FILE));
    const separate = fs.existsSync(path.join(given.resume, TARGET_TOKENIZER_FILE));
    parts = { model: loaded.model, srcTokenizer, tgtTokenizer: separate ? loadTokenizer(path.join(given.resume, TARGET_TOKENIZER_FILE)) : srcTokenizer, separateTarget: separate };
    info(`resuming ${given.resume} at step ${state.step}`);
  } else {
    if (!given.data) throw new OptionError("--data is required (the training file) unless --resume names a run, whose file is the default");
    checkOptions(given);
    o = { ...given, lrFactor: given.lrFactor ?? presetLrFactor(given.preset) }; // recorded in the run's state, so a resume keeps it
    const texts = readTexts(o.arch, o.data, o);
    const t0 = Date.now();
    let srcTokenizer: Tokenizer;
    let tgtTokenizer: Tokenizer;
    if (o.arch === "seq2seq" && !o.sharedVocab) {
      srcTokenizer = Tokenizer.train(texts.src, { vocabSize: o.vocabSize });
      tgtTokenizer = Tokenizer.train(texts.tgt, { vocabSize: o.vocabSize });
    } else {
      srcTokenizer = Tokenizer.train([...texts.src, ...texts.tgt], { vocabSize: o.vocabSize });
      tgtTokenizer = srcTokenizer;
    }
    info(`trained ${o.arch === "seq2seq" && !o.sharedVocab ? "source and target" : "a shared"} byte-level BPE tokenizer (${srcTokenizer.vocabSize} tokens) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const labels = o.arch === "encoder_only" ? [...new Set(texts.labels)].sort() : undefined;
    config = presetConfig(o.arch, o.preset, {
      srcVocabSize: srcTokenizer.vocabSize, tgtVocabSize: tgtTokenizer.vocabSize, numClasses: labels?.length,
      maxLen: o.maxLen, dropout: o.dropout, labels,
    });
    const model = buildModel(config, new Rng(o.seed));
    initParameters(model, o.seed);
    parts = { model, srcTokenizer, tgtTokenizer, separateTarget: srcTokenizer !== tgtTokenizer };
    state = { step: 0, epoch: 0, batchInEpoch: 0, rng: new Rng(o.seed + 1).getState(), bestValidLoss: null, elapsedSeconds: 0, tokensSeen: 0, options: { ...o } as Record<string, unknown>, batching: "per-side" };
  }
  const { model } = parts;
  model.rng.setState(state.rng);
  const special = { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id };
  const common = { ...o, srcTokenizer: parts.srcTokenizer, tgtTokenizer: parts.tgtTokenizer, special, maxLen: config.max_len };
  const labels = config.architecture === "encoder_only" ? (config as { labels?: string[] }).labels : undefined;
  const train = loadDataset({ ...common, arch: config.architecture, file: o.data, labels });
  info(`${o.data}: ${train.size} examples (${train.dropped.tooLong} longer than max_len ${config.max_len} dropped, ${train.dropped.empty} empty, ${train.dropped.badRows} malformed rows skipped)`);
  const valid = o.valid ? loadDataset({ ...common, arch: config.architecture, file: o.valid, labels: train.labels }) : null;
  let baseline: number | null = null;
  if (valid) {
    info(`${o.valid}: ${valid.size} examples`);
    if (config.architecture !== "encoder_only") {
      const V = config.architecture === "seq2seq" ? config.tgt_vocab_size : config.vocab_size;
      baseline = unigramBaseline(train, valid, V, new Set([config.pad_id]));
      info(`unigram baseline on the validation set: ${baseline.toFixed(3)} nats/token (a model must get clearly below this)`);
    }
  }
  const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
  info(`model: ${config.architecture}, d_model ${config.d_model}, ${config.num_heads} heads, d_ff ${config.d_ff}, ${nParams.toLocaleString("en")} parameters; backend ${backend().name}`);

  const opt = new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9, weightDecay: o.weightDecay, decoupled: o.weightDecay > 0 });
  if (given.resume) loadOptimizer(path.join(given.resume, OPTIMIZER_FILE), opt, state.step);
  const rate = (step: number) => o.schedule === "noam" ? noamRate(step, config.d_model, o.lrFactor, o.warmup) : cosineRate(step, o.lr, o.warmup, o.steps!, 0);

  fs.mkdirSync(o.out, { recursive: true });
  const metricsFile = path.join(o.out, METRICS_FILE);
  if (!given.resume || path.resolve(given.resume) !== path.resolve(o.out)) {
    // a fresh run starts a fresh log; a resume into another folder carries the log over
    const carried = given.resume && fs.existsSync(path.join(given.resume, METRICS_FILE)) ? fs.readFileSync(path.join(given.resume, METRICS_FILE)) : "";
    fs.writeFileSync(metricsFile, carried);
  }
  const appendMetric = (m: Record<string, unknown>) => fs.appendFileSync(metricsFile, JSON.stringify(m) + "\n");
  const drawCurve = () => {
    const lines = fs.readFileSync(metricsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number | string>);
    const trainPts = lines.filter((l) => l.type === "train").map((l) => [l.step, l.loss] as [number, number]);
    const validPts = lines.filter((l) => l.type === "valid").map((l) => [l.step, l.loss] as [number, number]);
    const series = [{ label: "train (label-smoothed)", color: "#1f77b4", points: trainPts }, { label: "validation", color: "#d62728", points: validPts }];
    if (baseline !== null && trainPts.length) series.push({ label: "unigram baseline", color: "#999", points: [[0, baseline], [Math.max(...trainPts.map((p) => p[0])), baseline]] });
    fs.writeFileSync(path.join(o.out, LOSS_CURVE_FILE), lossCurveSvg(series, `${config.architecture} ${o.preset}: loss`));
  };

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
    appendMetric({
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
    const ckpts = path.join(o.out, "checkpoints");
    writeCheckpointFolder(path.join(ckpts, `step-${String(state.step).padStart(7, "0")}`), parts, opt, state);
    const old = fs.readdirSync(ckpts).filter((d) => /^step-\d+$/.test(d)).sort();
    for (const d of old.slice(0, Math.max(0, old.length - o.keep))) fs.rmSync(path.join(ckpts, d), { recursive: true, force: true });
    if (isBest) writeCheckpointFolder(path.join(o.out, "best"), parts, opt, state);
    drawCurve();
    events.save?.(o.out, state.step);
  };

  const start = Date.now();
  const elapsedBefore = state.elapsedSeconds;
  const deadline = o.minutes !== undefined ? start + o.minutes * 60_000 : Infinity;
  const startStep = state.step;
  let windowLoss = 0, windowSteps = 0, windowTokens = 0, windowStart = Date.now(), lastLoss = NaN;
  model.train();
  const params = model.parameters();
  while ((o.steps === undefined || state.step < o.steps) && Date.now() < deadline && !signal.stop) {
    opt.zeroGrad();
    let stepLoss = 0;
    for (let a = 0; a < o.accum; a++) {
      const { batch, tokens } = nextBatch();
      const { loss } = forwardLoss(model, batch, o.labelSmoothing);
      stepLoss += loss.item() / o.accum;
      loss.backward(Float32Array.of(1 / o.accum));
      windowTokens += tokens;
      state.tokensSeen += tokens;
    }
    clipGradNorm(params, o.clip);
    opt.lr = rate(state.step + 1);
    opt.step();
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
      appendMetric({ type: "train", step: ev.step, loss: ev.loss, lr: ev.lr, tokens_per_s: Math.round(tps), elapsed_s: Number(ev.elapsedSeconds.toFixed(1)) });
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

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
