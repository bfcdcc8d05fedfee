/**
 * A Helsinki-NLP/opus-mt-style folder's tokenizers on disk: source.spm, target.spm, vocab.json and
 * tokenizer_config.json, read and checked by marian-tokenizers.ts. Node only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TokenizerError } from "../errors.js";
import { reasonOf } from "../io/json-text.js";
import { readJsonFile } from "../io/read-json.js";
import type { MarianTokenizer } from "./marian.js";
import { MARIAN_FILES, marianTokenizers } from "./marian-tokenizers.js";

export { MARIAN_FILES } from "./marian-tokenizers.js";

/** Whether a folder is laid out as a Marian checkpoint's tokenizers. */
export function hasMarianTokenizer(dir: string): boolean {
  return fs.existsSync(path.join(dir, MARIAN_FILES.source)) && fs.existsSync(path.join(dir, MARIAN_FILES.vocab));
}

export function loadMarianTokenizers(dir: string): { source: MarianTokenizer; target: MarianTokenizer } {
  const name = (file: string) => path.join(dir, file);
  return marianTokenizers({
    name,
    json: (file) => (fs.existsSync(name(file)) ? readJsonFile(name(file), TokenizerError) : undefined),
    bytes(file) {
      if (!fs.existsSync(name(file))) return undefined;
      try {
        return fs.readFileSync(name(file));
      } catch (e) {
        throw new TokenizerError(`${name(file)}: cannot read SentencePiece model (${reasonOf(e)})`);
      }
    },
  });
}
