/**
 * Subword tokenizer (browser-safe entry point). For files in Node, import saveTokenizer / loadTokenizer from
 * "./file.js".
 */
export { Tokenizer, SPECIAL_TOKENS, type TrainOptions, type EncodeOptions, type DecodeOptions, type SpecialRoles } from "./tokenizer.js";
export type { TrainProgress } from "./bpe-trainer.js";
export type { AddedToken, HfTokenizerJson } from "./hf-json.js";
export { preTokenize } from "./pre-tokenizer.js";
export type { TextTokenizer } from "./text-tokenizer.js";
export { MarianTokenizer } from "./marian.js";
