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
import { WordPieceTokenizer } from "../tokenizer/wordpiece.js";
import { TOKENIZER_FILE } from "./format.js";
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
  const tokenizer = WordPieceTokenizer.fromJSON(readTextFile(file, TokenizerError), file);
  const vocab = (config as { vocab_size: number }).vocab_size;
  if (tokenizer.vocabSize !== vocab) throw new CheckpointError(`${file}: ${tokenizer.vocabSize} tokens, but config.json's vocab_size is ${vocab}`);
  let maskToken = "[MASK]";
  const tcFile = path.join(dir, "tokenizer_config.json");
  if (fs.existsSync(tcFile)) {
    const tc = readJsonFile(tcFile, CheckpointError) as Record<string, unknown> | null;
    const v = tc?.mask_token;
    const content = typeof v === "object" && v !== null ? (v as Record<string, unknown>).content : v;
    if (content != null) {
      if (typeof content !== "string" || tokenizer.tokenToId(content) === undefined) throw new CheckpointError(`${tcFile}: "mask_token" ${JSON.stringify(content)} is not a token of ${TOKENIZER_FILE}`);
      maskToken = content;
    }
  }
  return { model, config, tokenizer, maskToken };
}
