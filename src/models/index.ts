export * from "./config.js";
export { type TokenBatch, tokenBatch, paddingMask } from "./batch.js";
export { Seq2Seq, type Encoded, type DecodeOptions } from "./seq2seq.js";
export { DecoderOnly, type DecoderOnlyOptions } from "./decoder-only.js";
export { EncoderOnly } from "./encoder-only.js";
export { buildModel, type Model } from "./build.js";
export { initParameters } from "./init.js";
export { loadStateDict, stateDict } from "./state-dict.js";
export { parseSafetensors, serializeSafetensors, type NamedTensor } from "./safetensors.js";
