import * as fs from "node:fs";
import * as path from "node:path";
import type { Model } from "../models/index.js";
import { saveCheckpoint } from "../models/checkpoint.js";
import type { SafetensorsDtype } from "../models/safetensors.js";
import { loadModel } from "./load.js";
import { Rng } from "../tensor/index.js";
import type { TextTokenizer } from "../tokenizer/index.js";
import { saveTokenizer } from "../tokenizer/file.js";
import { loadCheckpointTokenizer } from "./checkpoint-tokenizer.js";
import { keptKind, loadKeptTokenizers, readKeptFiles, writeKeptFiles } from "./kept-tokenizer.js";
import type { Adam } from "../train/optimizer.js";
import { type InferenceParts, bpeTokenizer } from "./parts.js";
import { CONFIG_FILE, OPTIMIZER_FILE, STATE_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from "./format.js";
import { type TrainingState, loadOptimizer, loadState, saveOptimizer, saveState } from "./state.js";

/** Everything that goes in a checkpoint folder besides the training state. */
export interface RunParts {
  model: Model;
  srcTokenizer: TextTokenizer;
  tgtTokenizer: TextTokenizer;
  separateTarget: boolean;
  /**
   * A Hugging Face folder's tokenizer files that a run started from it keeps byte for byte (Marian's SentencePiece
   * pair, BERT's WordPiece tokenizer.json: kept-tokenizer.ts), written in place of our tokenizer files.
   */
  keptFiles?: ReadonlyMap<string, Uint8Array>;
}

/**
 * Writes what inference needs into `dir`: config.json, model.safetensors (in `dtype`), tokenizer.json and, for a
 * separate target vocabulary, tokenizer.target.json.
 */
export function writeModelFiles(dir: string, parts: Pick<InferenceParts, "model" | "srcTokenizer" | "tgtTokenizer"> & Pick<RunParts, "keptFiles">, metadata: Record<string, string> = {}, dtype: SafetensorsDtype = "F32"): void {
  saveCheckpoint(dir, parts.model, metadata, dtype);
  if (parts.keptFiles) {
    writeKeptFiles(dir, parts.keptFiles);
    return;
  }
  saveTokenizer(bpeTokenizer(parts.srcTokenizer, "writing a checkpoint folder"), path.join(dir, TOKENIZER_FILE));
  if (parts.tgtTokenizer !== parts.srcTokenizer) saveTokenizer(bpeTokenizer(parts.tgtTokenizer, "writing a checkpoint folder"), path.join(dir, TARGET_TOKENIZER_FILE));
}

/** Writes a checkpoint's files into the folder `dir` (a temporary one: RunFolder commits it); returns their names. */
export function writeCheckpointFiles(dir: string, parts: RunParts, opt: Adam, state: TrainingState): string[] {
  writeModelFiles(dir, parts, { training_step: String(state.step) });
  saveOptimizer(path.join(dir, OPTIMIZER_FILE), opt, state.step);
  saveState(dir, state);
  const tokenizers = parts.keptFiles ? [...parts.keptFiles.keys()] : [TOKENIZER_FILE, ...(parts.tgtTokenizer !== parts.srcTokenizer ? [TARGET_TOKENIZER_FILE] : [])];
  return [CONFIG_FILE, WEIGHTS_FILE, ...tokenizers, OPTIMIZER_FILE, STATE_FILE];
}

/** A saved run to continue: its state, model and tokenizers (the optimizer's moments load once it exists: loadMoments). */
export function readRun(dir: string): { state: TrainingState; parts: RunParts; loadMoments(opt: Adam): void } {
  const state = loadState(dir);
  const { model } = loadModel(dir, new Rng(0));
  const kept = keptKind(dir);
  if (kept) {
    return {
      state,
      parts: { model, ...loadKeptTokenizers(dir, kept, model.config), separateTarget: false, keptFiles: readKeptFiles(dir, kept) },
      loadMoments: (opt) => loadOptimizer(path.join(dir, OPTIMIZER_FILE), opt, state.step),
    };
  }
  const srcTokenizer = loadCheckpointTokenizer(path.join(dir, TOKENIZER_FILE), model.config);
  const separate = fs.existsSync(path.join(dir, TARGET_TOKENIZER_FILE));
  const tgtTokenizer = separate ? loadCheckpointTokenizer(path.join(dir, TARGET_TOKENIZER_FILE), model.config) : srcTokenizer;
  return {
    state,
    parts: { model, srcTokenizer, tgtTokenizer, separateTarget: separate },
    loadMoments: (opt) => loadOptimizer(path.join(dir, OPTIMIZER_FILE), opt, state.step),
  };
}
