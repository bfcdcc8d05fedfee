import { TokenizerError } from "../errors.js";
import { readJsonFile } from "../io/read-json.js";
import type { ModelConfig } from "../models/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { checkpointTokenizer } from "./parts.js";

/** A checkpoint's tokenizer file, read as checkpointTokenizer (parts.ts) reads its JSON. */
export function loadCheckpointTokenizer(file: string, config: ModelConfig): Tokenizer {
  return checkpointTokenizer(readJsonFile(file, TokenizerError), file, config);
}
