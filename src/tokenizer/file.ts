/** Node-side saving and loading of tokenizer.json (kept apart so that the Tokenizer class stays browser-safe). */
import { writeFileAtomic } from "../io/atomic-write.js";
import { reasonOf } from "../io/json-text.js";
import { readTextFile } from "../io/read-json.js";
import { TokenizerError } from "../errors.js";
import { stringifyHfJson } from "./hf-json.js";
import { type SpecialRoles, Tokenizer } from "./tokenizer.js";

/** Write tokenizer.json atomically: a temporary file beside it, then a rename, so a crash never leaves half a file. */
export function saveTokenizer(tokenizer: Tokenizer, path: string): void {
  try {
    writeFileAtomic(path, stringifyHfJson(tokenizer.toJSON()));
  } catch (e) {
    throw new TokenizerError(`${path}: cannot write tokenizer file (${reasonOf(e)})`);
  }
}

/**
 * Read and validate a tokenizer.json written by us or by Hugging Face (byte-level BPE only). `roles`: the ids of its
 * special tokens where they are not our four by name (a Hugging Face checkpoint's config says them).
 */
export function loadTokenizer(path: string, roles?: SpecialRoles): Tokenizer {
  // the text, not parsed here: fromJSON's own parse tells the line and column of a syntax error
  return Tokenizer.fromJSON(readTextFile(path, TokenizerError), path, roles);
}
