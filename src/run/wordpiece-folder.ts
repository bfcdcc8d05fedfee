/**
 * A Hugging Face BERT folder for inference: config.json (model_type "bert"), model.safetensors (or shards) and its
 * WordPiece tokenizer.json, which our byte-level BPE Tokenizer does not read. tokenizer_config.json, where there is
 * one, names the mask token (fill-mask). Every problem is one line naming the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { readJsonFile, readTextFile } from "../io/read-json.js";
import type { Model, ModelConfig } from "../models/index.js";
import { CONFIG_FILE } from "../models/checkpoint.js";
import { isHuggingFaceConfig } from "../models/huggingface.js";
import { TokenizerError } from "../errors.js";
import type { WordPieceTokenizer } from "../tokenizer/wordpiece.js";
import { wordPieceTokenizer } from "./folder-tokenizers.js";
import { TOKENIZER_FILE } from "./format.js";
import { TOKENIZER_CONFIG_FILE, maskTokenOf } from "./hf-tokenizer-config.js";
import { assertIntact } from "./intact.js";
import { KEPT_FILES, keptKind } from "./kept-tokenizer.js";
import { loadModel } from "./load.js";

export interface WordPieceParts {
  model: Model;
  config: ModelConfig;
  tokenizer: WordPieceTokenizer;
  /** The mask token's spelling (tokenizer_config.json's mask_token; "[MASK]" without one). */
  maskToken: string;
}

/**
 * Whether DIR is a Hugging Face BERT folder (its config.json has model_type "bert"), or a run started from one
 * (train --init-from), which keeps its WordPiece tokenizer.json; false where it has no config.json.
 */
export function isBertFolder(dir: string): boolean {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) return false;
  const raw = readJsonFile(file, CheckpointError);
  if (isHuggingFaceConfig(raw)) return raw.model_type === "bert";
  return keptKind(dir) === "wordpiece";
}

/** Loads a BERT folder: the model (as encoder_only) and its WordPiece tokenizer, whose vocabulary must be the model's. */
export function loadWordPieceFolder(dir: string): WordPieceParts {
  const { model, config, huggingFace } = loadModel(dir);
  if (!huggingFace) assertIntact(dir, KEPT_FILES.wordpiece);
  const file = path.join(dir, TOKENIZER_FILE);
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (a BERT folder's WordPiece tokenizer)`);
  const tokenizer = wordPieceTokenizer(readTextFile(file, TokenizerError), file, config);
  const tcFile = path.join(dir, TOKENIZER_CONFIG_FILE);
  const maskToken = maskTokenOf(fs.existsSync(tcFile) ? readJsonFile(tcFile, CheckpointError) : undefined, tcFile, tokenizer, TOKENIZER_FILE);
  return { model, config, tokenizer, maskToken };
}
