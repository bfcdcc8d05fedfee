/**
 * The run folder's format: every name a checkpoint or a training run writes, in one place. A checkpoint folder
 * (what translate, eval and the page load) holds the model files; a run folder holds the latest checkpoint at its
 * top level plus the training files, earlier checkpoints and the best one. Browser-safe.
 */

export { CONFIG_FILE, WEIGHTS_FILE } from "../models/files.js";
/** The source (or shared) tokenizer, Hugging Face tokenizer.json. */
export const TOKENIZER_FILE = "tokenizer.json";
/** Only when source and target vocabularies are separate (seq2seq). */
export const TARGET_TOKENIZER_FILE = "tokenizer.target.json";
/** Adam's moments, for --resume. */
export const OPTIMIZER_FILE = "optimizer.safetensors";
/** Step, data position, random state and options, for --resume. */
export const STATE_FILE = "training_state.json";
/** One JSON object a line: train and validation metrics. */
export const METRICS_FILE = "metrics.jsonl";
/** The loss curve drawn from metrics.jsonl. */
export const LOSS_CURVE_FILE = "loss.svg";
/** Earlier checkpoints, as step-NNNNNNN folders. */
export const CHECKPOINTS_DIR = "checkpoints";
/** The checkpoint with the lowest validation loss. */
export const BEST_DIR = "best";

/** The folder name of the checkpoint saved at `step` under checkpoints/. */
export function stepDirName(step: number): string {
  return `step-${String(step).padStart(7, "0")}`;
}

export const STEP_DIR_PATTERN = /^step-\d+$/;
