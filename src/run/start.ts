import { architectureTask, loadDataset } from "../architectures/registry.js";
import { type ModelConfig, buildModel, ignoredTargetId, initParameters, modelArchitecture, separateTargetKey, targetVocabSize } from "../models/index.js";
import { Rng } from "../tensor/index.js";
import { Tokenizer } from "../tokenizer/index.js";
import { type Dataset, unigramBaseline } from "../train/dataset.js";
import { presetConfig } from "../train/presets.js";
import type { RunParts } from "./checkpoint.js";
import type { RunOptions } from "./options.js";
import type { TrainingState } from "./state.js";

/** The options a run records in its state: the run's own, without what a door passes for one sitting. */
export function recorded(o: RunOptions): Record<string, unknown> {
  const { resume: _resume, explicit: _explicit, overwrite: _overwrite, ...options } = o as RunOptions & { resume?: unknown; explicit?: unknown; overwrite?: unknown };
  return options;
}

/** The state of a new run at step 0. */
function firstState(o: RunOptions): TrainingState {
  return {
    step: 0, epoch: 0, batchInEpoch: 0, rng: new Rng(o.seed + 1).getState(), bestValidLoss: null, bestStep: null, elapsedSeconds: 0,
    tokensSeen: 0, options: recorded(o), batching: "per-side",
  };
}

/**
 * A new run: tokenizers trained on the training file, a freshly initialised model, the state at step 0; or, given
 * `initial` (train --init-from), the model and tokenizer of a Hugging Face folder as they are.
 */
export function newRun(o: RunOptions, info: (m: string) => void, initial?: RunParts): { state: TrainingState; parts: RunParts } {
  if (initial) {
    info(`${o.initFrom}: starting from its weights and tokenizer (${initial.srcTokenizer.vocabSize} tokens)`);
    return { state: firstState(o), parts: initial };
  }
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
  return { state: firstState(o), parts: { model, srcTokenizer, tgtTokenizer, separateTarget: srcTokenizer !== tgtTokenizer } };
}

export interface RunData {
  train: Dataset;
  valid: Dataset | null;
  /** The unigram baseline's validation loss (null without a validation set, or for encoder_only). */
  baseline: number | null;
}

/** The training and validation sets, the unigram baseline, and what they hold said through `info`. */
export function loadData(o: RunOptions, parts: RunParts, config: ModelConfig, info: (m: string) => void): RunData {
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
      baseline = unigramBaseline(train, valid, V, new Set([ignoredTargetId(config)]));
      info(`unigram baseline on the validation set: ${baseline.toFixed(3)} nats/token (a model must get clearly below this)`);
    }
  }
  return { train, valid, baseline };
}
