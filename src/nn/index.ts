export { Module, ModuleList, inference, type ParameterWalk } from "./module.js";
export { Linear } from "./linear.js";
export { LayerNorm } from "./layer-norm.js";
export { Embedding } from "./embedding.js";
export { PositionalEncoding, sinusoidalPositions } from "./positional.js";
export { MultiHeadAttention, type AttentionCache, type MultiHeadAttentionOptions } from "./attention.js";
export { ACTIVATION_NAMES, activate, feedForward, type Activation } from "./feed-forward.js";
export { EncoderLayer, DecoderLayer, type LayerOptions, type DecoderLayerCache } from "./layers.js";
export { EncoderStack, DecoderStack } from "./stacks.js";
