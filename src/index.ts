/**
 * transformer: the browser-safe public API (no Node built-ins). Node-only helpers — checkpoint folders,
 * tokenizer files, data files, the trainer — are in "transformer/node" (src/node.ts).
 */
export * as backend from "./backend/index.js";
export * from "./errors.js";
export * from "./tensor/index.js";
export * as nn from "./nn/index.js";
export * from "./models/index.js";
export { Tokenizer, SPECIAL_TOKENS, type EncodeOptions as TokenizerEncodeOptions, type DecodeOptions as TokenizerDecodeOptions } from "./tokenizer/index.js";
export * from "./train/index.js";
export * as generation from "./generate/index.js";
export * as inspect from "./inspect/index.js";
