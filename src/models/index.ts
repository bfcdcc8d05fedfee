export * from "./config.js";
export { type TokenBatch, tokenBatch, paddingMask } from "./batch.js";
export { Seq2Seq, type Encoded, type DecodeOptions } from "./seq2seq.js";
export { DecoderOnly, type DecoderOnlyOptions } from "./decoder-only.js";
export { EncoderOnly } from "./encoder-only.js";
export { buildModel, type Model } from "./build.js";
export { initParameters } from "./init.js";
export { loadCheckpoint, saveCheckpoint, readConfig, loadStateDict, stateDict, CONFIG_FILE, WEIGHTS_FILE } from "./checkpoint.js";
