/** Reads a SentencePiece model file (the parsing and its checks: sentencepiece-model.ts). Node only. */
import * as fs from "node:fs";
import { TokenizerError } from "../errors.js";
import { reasonOf } from "../io/json-text.js";
import { parseSentencePiece } from "./sentencepiece-model.js";
import type { SentencePiece } from "./sentencepiece.js";

export { parseSentencePiece } from "./sentencepiece-model.js";

/** Reads a SentencePiece model file. */
export function loadSentencePiece(file: string): SentencePiece {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new TokenizerError(`${file}: cannot read SentencePiece model (${reasonOf(e)})`);
  }
  return parseSentencePiece(bytes, file);
}
