/**
 * The shape of an explanation (src/inspect/explain.ts): the numbers of one real forward pass of a seq2seq model,
 * named as the paper names them, in plain arrays so that JSON.stringify writes it as it is. Matrices are rows:
 * `m[t][j]` is component j of position t. B = 1 throughout, so batch dimensions are dropped.
 */

import type { Activation } from "../nn/feed-forward.js";

/** (rows, columns) as rows. */
export type Matrix = number[][];

export interface ExplainConfig {
  dModel: number;
  numHeads: number;
  /** dModel / numHeads: the width of one head's queries, keys and values (paper §3.2.2). */
  dK: number;
  dFF: number;
  numEncoderLayers: number;
  numDecoderLayers: number;
  /** false: post-LN as in the paper, LN(x + Sublayer(x)); true: pre-LN, x + Sublayer(LN(x)). */
  normFirst: boolean;
  /** Whether each stack ends with a LayerNorm (PyTorch's do; Marian's do not). */
  finalNorm: boolean;
  activation: Activation;
  positional: "sinusoidal" | "learned";
  /** Sinusoidal: "interleaved" (the paper's sin, cos, sin, …) or "halves" (Marian's: every sine, then every cosine). */
  sinusoidLayout: "interleaved" | "halves";
  /** Embeddings multiplied by √dModel (paper §3.4). */
  scaleEmbeddings: boolean;
  layerNormEps: number;
  maxLen: number;
  srcVocabSize: number;
  tgtVocabSize: number;
  /** One matrix for both embeddings and the final linear layer (paper §3.4). */
  tieWordEmbeddings: boolean;
  padId: number;
  bosId: number;
  eosId: number;
}

export interface TokensRecord {
  ids: number[];
  /** One readable label per id. */
  tokens: string[];
}

/** Token embeddings and positional encoding (paper §3.4, §3.5): what the first layer reads. */
export interface EmbeddingRecord {
  rows: Matrix; // (T, dModel): row ids[t] of the embedding table
  /** √dModel, or 1 for a model that does not scale its embeddings. */
  scale: number;
  scaled: Matrix; // (T, dModel): rows · scale
  /** The position of each token: 0.. for a whole sequence, the cache length on for a decoding step. */
  positions: number[]; // (T)
  /** Sinusoidal: PE(pos, 2i) = sin(pos / 10000^(2i/dModel)), PE(pos, 2i+1) = cos(…); learned: the table's rows. */
  positional: Matrix; // (T, dModel)
  sum: Matrix; // (T, dModel): scaled + positional
}

/** One head of an attention layer: head_i = softmax(Q_i K_iᵀ / √dK + mask) V_i (paper §3.2.1). */
export interface HeadRecord {
  q: Matrix; // (T, dK): this head's columns of Q = x W_Qᵀ + b_Q (PyTorch's in_proj_weight rows 0..dModel-1)
  k: Matrix; // (S, dK): of K = m W_Kᵀ + b_K, m the keys' source
  v: Matrix; // (S, dK): of V = m W_Vᵀ + b_V
  scores: Matrix; // (T, S): Q_i K_iᵀ
  scaled: Matrix; // (T, S): scores / √dK (derived: the kernel scales inside its softmax)
  weights: Matrix; // (T, S): softmax(scaled + mask) by row; masked entries are 0, every row sums to 1
  output: Matrix; // (T, dK): weights · V_i, this head's columns of concat
}

/** Where a decoding step's keys and values came from. */
export interface CacheUse {
  /** Keys 0..reusedRows-1 were read from the KV cache, made by earlier steps. */
  reusedRows: number;
  /** Keys reusedRows..reusedRows+newRows-1 were made by this step (and stored for the next). */
  newRows: number;
}

/** Multi-head attention (paper §3.2.2): MultiHead(Q, K, V) = Concat(head_1..head_h) W_O. */
export interface AttentionRecord {
  /** encoder: self-attention; decoder: masked self-attention; cross: encoder-decoder attention. */
  kind: "encoder" | "decoder" | "cross";
  layer: number;
  /** Query positions T and key positions S. */
  queries: number;
  keys: number;
  /** What keys and values are made from: the layer's input (self) or the encoder's output (cross). */
  keysFrom: "input" | "encoder output";
  /** 1/√dK. */
  scale: number;
  /** (T, S): true where −∞ is added before the softmax (a later position, or padding), so the weight is 0 after. */
  masked: boolean[][];
  heads: HeadRecord[];
  concat: Matrix; // (T, dModel): the heads' outputs side by side
  output: Matrix; // (T, dModel): concat W_Oᵀ + b_O
  /** Decoding over a KV cache: which key rows were reused. */
  cache: CacheUse;
}

/** LayerNorm over dModel: (x − mean) / √(variance + eps) · γ + β. */
export interface LayerNormRecord {
  input: Matrix; // (T, dModel)
  mean: number[]; // (T)
  /** Biased (÷ dModel), as LayerNorm uses it; derived from the kernel's 1/√(variance + eps) as rstd⁻² − eps. */
  variance: number[]; // (T)
  output: Matrix; // (T, dModel)
}

/** The residual connection and LayerNorm around one sublayer (paper §5.4, "Add & Norm"). */
export interface AddNormRecord {
  input: Matrix; // (T, dModel): x
  /** post-LN: x + Sublayer(x); pre-LN: x + Sublayer(LN(x)). */
  sum: Matrix; // (T, dModel)
  /** post-LN: LN(sum); pre-LN: LN(x), what the sublayer read. */
  norm: LayerNormRecord;
  output: Matrix; // (T, dModel): post-LN norm.output; pre-LN sum
}

/** Position-wise feed-forward network (paper §3.3): FFN(x) = act(x W_1 + b_1) W_2 + b_2. */
export interface FeedForwardRecord {
  hidden: Matrix; // (T, dFF): x W_1ᵀ + b_1
  activated: Matrix; // (T, dFF): relu (negative units become 0) or gelu of hidden
  /** Hidden units that are exactly 0 after the activation, per position. */
  zeros: number[]; // (T)
  output: Matrix; // (T, dModel)
}

export interface EncoderLayerRecord {
  layer: number;
  input: Matrix; // (S, dModel)
  selfAttention: AttentionRecord;
  addNorm1: AddNormRecord;
  feedForward: FeedForwardRecord;
  addNorm2: AddNormRecord;
  output: Matrix; // (S, dModel)
}

export interface DecoderLayerRecord {
  layer: number;
  input: Matrix; // (T, dModel)
  selfAttention: AttentionRecord;
  addNorm1: AddNormRecord;
  crossAttention: AttentionRecord;
  addNorm2: AddNormRecord;
  feedForward: FeedForwardRecord;
  addNorm3: AddNormRecord;
  output: Matrix; // (T, dModel)
}

export interface EncoderRecord {
  embedding: EmbeddingRecord;
  layers: EncoderLayerRecord[];
  /** The stack's last LayerNorm (PyTorch's stacks end with one); null where the model has none (Marian). */
  finalNorm: LayerNormRecord | null;
  /** The encoder's output, the keys and values of every decoder layer's cross-attention. */
  output: Matrix; // (S, dModel)
}

export interface CandidateToken {
  id: number;
  token: string;
  logit: number;
  /** softmax(logits) */
  prob: number;
  /** softmax(logits / temperature) */
  probAtTemperature: number;
}

/** The final linear layer and softmax at the last position (paper §3.4). */
export interface PredictionRecord {
  /** The position whose logits these are: the decoder's last input. */
  position: number;
  temperature: number;
  /** The topN tokens by logit, derived from `logits` (softmax in float64). */
  top: CandidateToken[];
  /** The most likely token, as greedy search chooses (a temperature changes the probabilities, not which is largest). */
  chosen: { id: number; token: string };
}

/** One run of the decoder: over the target prefix (step 1), or one more token over the KV cache (step 2). */
export interface DecoderStepRecord {
  step: number;
  /** Position of the first token fed (the number of tokens already in the cache). */
  offset: number;
  /** The tokens fed: bos and the prefix (step 1), the token chosen before (step 2). */
  input: TokensRecord;
  embedding: EmbeddingRecord;
  layers: DecoderLayerRecord[];
  /** null where the model has no final LayerNorm (Marian). */
  finalNorm: LayerNormRecord | null;
  output: Matrix; // (T, dModel)
  logits: Matrix; // (T, tgtVocabSize): output W_outᵀ + b_out
  prediction: PredictionRecord;
}

export interface BeamHypothesisRecord {
  ids: number[];
  tokens: string[];
  /** Σ log p of its tokens. */
  logProb: number;
  /** Finished hypotheses: logProb / lp(|Y|), the GNMT score beam search ranks them by. */
  score?: number;
  finish?: "eos" | "length" | "max_len";
}

/** What beam search keeps instead of greedy's one token (paper §6.1), from the start token. */
export interface BeamRecord {
  numBeams: number;
  lengthPenalty: number;
  /** The most tokens each hypothesis was given (the search ends sooner when every beam has finished). */
  steps: number;
  /** Step 1's 2·numBeams best tokens, as beam search ranks them, and whether it kept each as a live beam. */
  candidates: (BeamHypothesisRecord & { kept: boolean })[];
  /** The live beams after each step but the last, best first. */
  live: BeamHypothesisRecord[][];
  /** After the last step: the best hypotheses, finished (eos, or cut at the step limit), best score first. */
  finished: BeamHypothesisRecord[];
}

/**
 * The weights that make the focus head's query, key and value in the focus encoder layer: rows h·dK..(h+1)·dK−1
 * of W_Q, W_K, W_V (PyTorch's in_proj_weight layout), so that q_j = x · wQ[j] + bQ[j].
 */
export interface HeadWeightsRecord {
  layer: number;
  head: number;
  wQ: Matrix; // (dK, dModel)
  bQ: number[]; // (dK)
  wK: Matrix; // (dK, dModel)
  bK: number[]; // (dK)
  wV: Matrix; // (dK, dModel)
  bV: number[]; // (dK)
}

/** What the walk looks at closely: one layer, head and source token (the decoder's: its last position). */
export interface ExplainFocus {
  layer: number;
  head: number;
  token: number;
}

/** The model's greedy translation of the source, when the walk follows one of its positions. */
export interface TranslationRecord extends TokensRecord {
  /** The position followed: the decoder read bos and the first decoderStep tokens (steps[0].input). */
  decoderStep: number;
}

export interface Explanation {
  format: "transformer-explain";
  version: 1;
  config: ExplainConfig;
  source: TokensRecord;
  /** Present when the decoder's input was a position of the greedy translation (ExplainOptions.decoderStep). */
  translation?: TranslationRecord;
  focus: ExplainFocus;
  /** W_Q, W_K, W_V of the focus encoder layer and head. */
  focusWeights: HeadWeightsRecord;
  encoder: EncoderRecord;
  /** [0]: the decoder over bos and the prefix; [1]: the next position over the KV cache (absent at max_len). */
  steps: DecoderStepRecord[];
  beam: BeamRecord | null;
}
