/**
 * The tokenizer files of a Hugging Face folder that our byte-level BPE does not write, kept as they are by a run
 * started from it (train --init-from) and by its export (--format hf): a Marian folder's source.spm, target.spm,
 * vocab.json and tokenizer_config.json, or BERT's WordPiece tokenizer.json and tokenizer_config.json. A run folder
 * holds them in place of our tokenizer.json (its manifest lists them), so that the run, its checkpoints and its
 * export tokenize exactly as the folder it started from. Node only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError, TokenizerError } from "../errors.js";
import { fsCall } from "../io/fs-error.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { readJsonFile, readTextFile } from "../io/read-json.js";
import type { ModelConfig } from "../models/index.js";
import type { TextTokenizer } from "../tokenizer/index.js";
import { MARIAN_FILES, hasMarianTokenizer, loadMarianTokenizers } from "../tokenizer/marian-file.js";
import { WordPieceTokenizer } from "../tokenizer/wordpiece.js";
import { WordPieceText } from "../tokenizer/wordpiece-text.js";
import { TOKENIZER_FILE } from "./format.js";

export type KeptKind = "marian" | "wordpiece";

/** transformers' tokenizer settings beside the tokenizer files. */
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

/** The files of each kind, in the order they are written; tokenizer_config.json may be absent. */
export const KEPT_FILES: Readonly<Record<KeptKind, readonly string[]>> = {
  marian: [MARIAN_FILES.source, MARIAN_FILES.target, MARIAN_FILES.vocab, TOKENIZER_CONFIG_FILE],
  wordpiece: [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE],
};


/** A folder's tokenizer when it is not our BPE: Marian's SentencePiece pair, or a WordPiece tokenizer.json; else null. */
export function keptKind(dir: string): KeptKind | null {
  const file = path.join(dir, TOKENIZER_FILE);
  if (!fs.existsSync(file)) return hasMarianTokenizer(dir) ? "marian" : null;
  const json = readJsonFile(file, TokenizerError) as { model?: { type?: unknown } } | null;
  return json?.model?.type === "WordPiece" ? "wordpiece" : null;
}

/** The kind's files that `dir` holds, as bytes. */
export function readKeptFiles(dir: string, kind: KeptKind): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of KEPT_FILES[kind]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) files.set(name, fsCall(file, "read", () => fs.readFileSync(file)));
  }
  return files;
}

/** Writes the kept files into `dir`, each atomically and byte for byte; returns their names. */
export function writeKeptFiles(dir: string, files: ReadonlyMap<string, Uint8Array>): string[] {
  for (const [name, bytes] of files) {
    const file = path.join(dir, name);
    fsCall(file, "write", () => writeFileAtomic(file, bytes));
  }
  return [...files.keys()];
}

/** The tokenizers of a folder's kept files: Marian's source and target, or WordPiece's one (as a TextTokenizer). */
export function loadKeptTokenizers(dir: string, kind: KeptKind, config: ModelConfig): { srcTokenizer: TextTokenizer; tgtTokenizer: TextTokenizer } {
  if (kind === "marian") {
    const { source, target } = loadMarianTokenizers(dir);
    return { srcTokenizer: source, tgtTokenizer: target };
  }
  const file = path.join(dir, TOKENIZER_FILE);
  const wordPiece = WordPieceTokenizer.fromJSON(readTextFile(file, TokenizerError), file);
  const vocab = (config as { vocab_size: number }).vocab_size;
  if (wordPiece.vocabSize !== vocab) throw new CheckpointError(`${file}: ${wordPiece.vocabSize} tokens, but config.json's vocab_size is ${vocab}`);
  const text = new WordPieceText(wordPiece, config.pad_id, config.bos_id, config.eos_id);
  return { srcTokenizer: text, tgtTokenizer: text };
}
