import * as fs from "node:fs";
import * as path from "node:path";
import type { Model } from "../models/index.js";
import { loadCheckpoint, saveCheckpoint } from "../models/checkpoint.js";
import { Rng } from "../tensor/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { loadTokenizer, saveTokenizer } from "../tokenizer/file.js";
import type { Adam } from "../train/optimizer.js";
import { OPTIMIZER_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "./format.js";
import { type TrainingState, loadOptimizer, loadState, saveOptimizer, saveState } from "./state.js";

/** Everything that goes in a checkpoint folder besides the training state. */
export interface RunParts {
  model: Model;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  separateTarget: boolean;
}

export function writeCheckpoint(dir: string, parts: RunParts, opt: Adam, state: TrainingState): void {
  fs.mkdirSync(dir, { recursive: true });
  saveCheckpoint(dir, parts.model, { training_step: String(state.step) });
  saveTokenizer(parts.srcTokenizer, path.join(dir, TOKENIZER_FILE));
  if (parts.separateTarget) saveTokenizer(parts.tgtTokenizer, path.join(dir, TARGET_TOKENIZER_FILE));
  saveOptimizer(path.join(dir, OPTIMIZER_FILE), opt, state.step);
  saveState(dir, state); // last: a state file always describes weights and moments already on disk
}

/** Writes a complete checkpoint as `dir` by building it beside and renaming it in: never a half-written folder. */
export function writeCheckpointFolder(dir: string, parts: RunParts, opt: Adam, state: TrainingState): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  writeCheckpoint(tmp, parts, opt, state);
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** A saved run to continue: its state, model and tokenizers (the optimizer's moments load once it exists: loadMoments). */
export function readRun(dir: string): { state: TrainingState; parts: RunParts; loadMoments(opt: Adam): void } {
  const state = loadState(dir);
  const { model } = loadCheckpoint(dir, new Rng(0));
  const srcTokenizer = loadTokenizer(path.join(dir, TOKENIZER_FILE));
  const separate = fs.existsSync(path.join(dir, TARGET_TOKENIZER_FILE));
  const tgtTokenizer = separate ? loadTokenizer(path.join(dir, TARGET_TOKENIZER_FILE)) : srcTokenizer;
  return {
    state,
    parts: { model, srcTokenizer, tgtTokenizer, separateTarget: separate },
    loadMoments: (opt) => loadOptimizer(path.join(dir, OPTIMIZER_FILE), opt, state.step),
  };
}
