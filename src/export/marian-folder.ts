/**
 * What a seq2seq export of a Hugging Face Marian folder (Helsinki-NLP/opus-mt-*) gives transformers.js besides the
 * graphs: the folder's own config.json (model_type "marian" is then the truth: the graphs compute MarianMTModel),
 * tokenizer.json made from source.spm over vocab.json (marian-tokenizer.ts) and a tokenizer_config.json that names
 * MarianTokenizer. Node only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ExportError } from "../errors.js";
import { readJsonFile } from "../io/read-json.js";
import { CONFIG_FILE } from "../models/files.js";
import { MARIAN_FILES, hasMarianTokenizer, loadMarianTokenizers } from "../tokenizer/marian-file.js";
import { loadSentencePiece } from "../tokenizer/sentencepiece-file.js";
import { marianTokenizerJson } from "./marian-tokenizer.js";

/** transformers.js's files of an export where they come from the model's own folder. */
export interface TransformersJsFiles {
  /** config.json: transformers' config of the model. */
  config: Record<string, unknown>;
  /** tokenizer.json and tokenizer_config.json. */
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** Whether `dir` is a Marian folder: transformers' config.json with model_type "marian" and its SentencePiece tokenizers. */
export function isMarianFolder(dir: string): boolean {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file) || !hasMarianTokenizer(dir)) return false;
  const raw = readJsonFile(file, ExportError) as Record<string, unknown> | null;
  return typeof raw === "object" && raw !== null && raw.model_type === "marian";
}

/** The transformers.js files of a Marian folder (its config.json as it is; its source tokenizer as tokenizer.json). */
export function marianTransformersJsFiles(dir: string): TransformersJsFiles {
  const configFile = path.join(dir, CONFIG_FILE);
  const config = readJsonFile(configFile, ExportError) as Record<string, unknown>;
  if (typeof config !== "object" || config === null || config.model_type !== "marian") throw new ExportError(`${configFile}: not a Marian config (model_type "marian")`);
  const { source } = loadMarianTokenizers(dir);
  const vocab = new Map<string, number>();
  for (let id = 0; id < source.vocabSize; id++) vocab.set(source.idToToken(id)!, id);
  const special = (id: number) => ({ id, token: source.idToToken(id)! });
  const specials = { eos: special(source.eosId), unk: special(source.unkId), pad: special(source.padId) };
  const tokenizer = marianTokenizerJson(loadSentencePiece(path.join(dir, MARIAN_FILES.source)), vocab, specials, dir);
  const tokenizerConfig = {
    tokenizer_class: "MarianTokenizer",
    eos_token: specials.eos.token,
    unk_token: specials.unk.token,
    pad_token: specials.pad.token,
    model_max_length: typeof config.max_position_embeddings === "number" ? config.max_position_embeddings : 512,
  };
  return { config, tokenizer, tokenizerConfig };
}
