/** Node-side saving and loading of tokenizer.json (kept apart so that the Tokenizer class stays browser-safe). */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../io/atomic-write.js";
import { TokenizerError } from "../errors.js";
import { stringifyHfJson } from "./hf-json.js";
import { Tokenizer } from "./tokenizer.js";

/** Write tokenizer.json atomically: a temporary file beside it, then a rename, so a crash never leaves half a file. */
export function saveTokenizer(tokenizer: Tokenizer, path: string): void {
  try {
    writeFileAtomic(path, stringifyHfJson(tokenizer.toJSON()));
  } catch (e) {
    throw new TokenizerError(`${path}: cannot write tokenizer file (${(e as Error).message.split("\n")[0]})`);
  }
}

/** Read and validate a tokenizer.json written by us or by Hugging Face (byte-level BPE only). */
export function loadTokenizer(path: string): Tokenizer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new TokenizerError(`${path}: cannot read tokenizer file (${(e as Error).message.split("\n")[0]})`);
  }
  return Tokenizer.fromJSON(text, path);
}
