/** Inference: decoding (a KV-cached step decoder driven by greedy search, beam search or sampling; streaming) and classification. */
export { greedyDecodeUncached } from "./greedy.js";
export { type BeamConvention, type GenerationConfig, type ResolvedGenerationConfig, type SearchStrategy, GENERATION_KEYS, resolveGenerationConfig } from "./config.js";
export { generate, prepareSearch, type GenerationOutput } from "./generate.js";
export type { GenerativeModel } from "../models/architectures/registry.js";
export { SOURCE_LENGTH_MARGIN } from "../models/architectures/seq2seq.js";
export { DEFAULT_MAX_NEW_TOKENS } from "../models/architectures/decoder-only.js";
export { stream, streamOne, IncrementalDetokenizer, type Detokenizer, type StreamPiece, type StreamOptions } from "./stream.js";
export { type FinishReason, type Hypothesis, type TokenEvent, type SearchSetup, tokenSearch } from "./search.js";
export { beamSearch, beamSteps, lengthPenalty } from "./beam.js";
export { type BeamRequest, type BeamSetup, type BeamSteps, runBeamSteps } from "./beam-steps.js";
export {
  type LogitsProcessor, repetitionPenalty, temperature, topK, topP, buildProcessors, softmax, rowLogSumExp,
} from "./logits-processors.js";
export { sampleIndex } from "./samplers.js";
export { type StepDecoder, Seq2SeqStepDecoder, DecoderOnlyStepDecoder } from "../models/step-decoder.js";
export { selectRows, selectMaskRows, selectAttentionCache } from "../nn/kv-cache.js";
export { translateCorpus, type TranslateCorpusOptions } from "./translate-corpus.js";
export { classify, labelNames, topLabels, type Classification, type ClassifyOptions, type LabelProbability } from "./classify.js";
