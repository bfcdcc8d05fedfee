/**
 * The run folder's format: every name a checkpoint or a training run writes, in one place. A checkpoint folder
 * (what translate, eval and the page load) holds the model files; a run folder holds the latest checkpoint at its
 * top level plus the training files, earlier checkpoints and the best one. Browser-safe.
 */

import { CONFIG_FILE, WEIGHTS_FILE } from "../models/files.js";

export { CONFIG_FILE, WEIGHTS_FILE };
/** The source (or shared) tokenizer, Hugging Face tokenizer.json. */
export const TOKENIZER_FILE = "tokenizer.json";
/** Only when source and target vocabularies are separate (seq2seq). */
export const TARGET_TOKENIZER_FILE = "tokenizer.target.json";
/** Adam's moments, for --resume. */
export const OPTIMIZER_FILE = "optimizer.safetensors";
/** Step, data position, random state and options, for --resume. */
export const STATE_FILE = "training_state.json";
/** One JSON object a line: train and validation metrics. A checkpoint under checkpoints/ keeps the lines up to its step. */
export const METRICS_FILE = "metrics.jsonl";
/** The loss curve drawn from metrics.jsonl. */
export const LOSS_CURVE_FILE = "loss.svg";
/**
 * Written last into a checkpoint a run saves: its step and each file's size and sha256. A checkpoint whose files
 * do not match it is torn (a save that was interrupted, or files swapped by hand) and is not loaded.
 */
export const MANIFEST_FILE = "manifest.json";
/** Earlier checkpoints, as step-NNNNNNN folders. */
export const CHECKPOINTS_DIR = "checkpoints";
/** The checkpoint with the lowest validation loss. */
export const BEST_DIR = "best";
/** The mean of the last --average-last checkpoints, written when the run reaches --steps: a model folder, no manifest. */
export const AVERAGED_DIR = "averaged";

/**
 * A run started from a Hugging Face folder whose tokenizer is not our BPE keeps that folder's tokenizer files
 * instead (kept-tokenizer.ts): Marian's SentencePiece models and vocabulary, and transformers' tokenizer settings.
 */
export const KEPT_TOKENIZER_FILES: readonly string[] = ["source.spm", "target.spm", "vocab.json", "tokenizer_config.json"];

/**
 * The files a run writes into a checkpoint folder (checkpoints/step-N, best/). The top level has the same names, but
 * its metrics.jsonl is the live log (not in its manifest), not a checkpoint's snapshot.
 */
export const CHECKPOINT_FILES: readonly string[] = [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE, TARGET_TOKENIZER_FILE, ...KEPT_TOKENIZER_FILES, OPTIMIZER_FILE, STATE_FILE, METRICS_FILE, MANIFEST_FILE];
/** The files at a run folder's top level. */
export const RUN_FILES: readonly string[] = [...CHECKPOINT_FILES, LOSS_CURVE_FILE];

/** The folder name of the checkpoint saved at `step` under checkpoints/. */
export function stepDirName(step: number): string {
  return `step-${String(step).padStart(7, "0")}`;
}

export const STEP_DIR_PATTERN = /^step-\d+$/;

/** The step of a step-NNNNNNN folder name, or null for any other name. */
export function stepOfDir(name: string): number | null {
  return STEP_DIR_PATTERN.test(name) ? Number(name.slice(5)) : null;
}

/**
 * A folder being built (tmp), replaced (old) or removed (del) sits beside its final name as `.NAME.KIND-PID`, so that
 * a save killed half-way leaves nothing a reader takes for a checkpoint, and the next start knows what to clean.
 */
export type TempKind = "tmp" | "old" | "del";

export function tempDirName(name: string, kind: TempKind, pid: number): string {
  return `.${name}.${kind}-${pid}`;
}

/** Ours: `.step-N.tmp-PID`, `.best.old-PID`, `.averaged.tmp-PID`, ...; and `step-N.tmp-PID`, `best.old-PID` of versions before manifests. */
const TEMP_DIR = /^\.?(step-\d+|best|averaged)\.(tmp|old|del)-\d+$/;

/** The final name and kind of a folder temporary (see tempDirName), or null for any other name. */
export function parseTempDir(name: string): { target: string; kind: TempKind } | null {
  const m = TEMP_DIR.exec(name);
  return m ? { target: m[1], kind: m[2] as TempKind } : null;
}
