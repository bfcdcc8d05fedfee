import { type Recorder, Tensor, add, dropout, scopedRecorder } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import { type AttentionCache, MultiHeadAttention } from "./attention.js";
import { type Activation, feedForward } from "./feed-forward.js";
import { LayerNorm } from "./layer-norm.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

export interface LayerOptions {
  dModel: number;
  numHeads: number;
  dFF: number;
  dropout: number;
  activation: Activation;
  /** false: post-LN as in the paper, x = LN(x + Sublayer(x)); true: pre-LN, x = x + Sublayer(LN(x)). */
  normFirst: boolean;
  layerNormEps: number;
  /** Dropout on the attention weights, where it differs from `dropout` (Marian's attention_dropout). @default dropout */
  attentionDropout?: number;
  /** Dropout on the feed-forward's hidden activations, where it differs (Marian's activation_dropout). @default dropout */
  activationDropout?: number;
  /** The stack ends with a LayerNorm (PyTorch's stacks do; Marian's post-LN stacks have none). @default true */
  finalNorm?: boolean;
}

/**
 * The residual connection around a sublayer, with its LayerNorm and dropout (paper §5.4):
 * post-LN: LN(x + Dropout(f(x))); pre-LN: x + Dropout(f(LN(x))). `rec` gets the connection's `input` x, the
 * residual `sum` and the `output`; `normRec` is the LayerNorm's.
 */
function sublayerConnection(
  x: Tensor, norm: LayerNorm, f: (y: Tensor) => Tensor, normFirst: boolean, p: number, rng: Rng, rec?: Recorder, normRec?: Recorder,
): Tensor {
  let sum: Tensor, out: Tensor;
  if (normFirst) out = sum = add(x, dropout(f(norm.forward(x, normRec)), p, rng));
  else out = norm.forward(sum = add(x, dropout(f(x), p, rng)), normRec);
  if (rec) {
    rec("input", x.data, x.shape);
    rec("sum", sum.data, sum.shape);
    rec("output", out.data, out.shape);
  }
  return out;
}

/** What an encoder layer (and stack) attends over, besides its input. */
export interface EncoderInputs {
  /** (B, T) 1 where a key is padding; null: none is. */
  keyPad: Uint8Array | null;
  /** Causal self-attention: a GPT block (decoder-only models reuse the encoder layer). */
  causal?: boolean;
  /** Incremental decoding: the keys and values of earlier positions (causal only). */
  cache?: AttentionCache;
  /** Keep the attention weights for inspection. */
  keepWeights?: boolean;
  /** Records the layer's values (src/tensor/recorder.ts): `self_attn.*`, `feed_forward.*`, `sublayer<i>.*`, `norm<i>.*`. */
  recorder?: Recorder;
}

/** What a decoder layer (and stack) attends over, besides its input y. */
export interface DecoderInputs {
  /** (B, T) padding of the target so far; (B, S) padding of the source. */
  tgtKeyPad: Uint8Array | null;
  memKeyPad: Uint8Array | null;
  cache?: DecoderLayerCache;
  keepWeights?: boolean;
  /** As EncoderInputs' recorder, with `multihead_attn.*` (cross-attention) and a third sublayer. */
  recorder?: Recorder;
}

/** One encoder layer (paper §3.1): self-attention then feed-forward, each a residual sublayer. */
export class EncoderLayer extends Module {
  readonly selfAttn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;

  constructor(readonly opts: LayerOptions, private readonly rng: Rng) {
    super();
    const { dModel, dFF, layerNormEps } = opts;
    this.selfAttn = this.addChild("self_attn", new MultiHeadAttention(dModel, opts.numHeads, opts.attentionDropout ?? opts.dropout, rng));
    this.linear1 = this.addChild("linear1", new Linear(dModel, dFF));
    this.linear2 = this.addChild("linear2", new Linear(dFF, dModel));
    this.norm1 = this.addChild("norm1", new LayerNorm(dModel, layerNormEps));
    this.norm2 = this.addChild("norm2", new LayerNorm(dModel, layerNormEps));
  }

  /** x (B, T, dModel). */
  forward(x: Tensor, { keyPad, causal = false, cache, keepWeights = false, recorder }: EncoderInputs): Tensor {
    const p = this.training ? this.opts.dropout : 0;
    const { normFirst, activation } = this.opts;
    const r = (name: string) => scopedRecorder(recorder, name); // undefined without a recorder
    x = sublayerConnection(x, this.norm1, (y) => this.selfAttn.forward(y, null, { keyPad, causal, cache, keepWeights, recorder: r("self_attn") }),
      normFirst, p, this.rng, r("sublayer1"), r("norm1"));
    return sublayerConnection(x, this.norm2, (y) => feedForward(y, this.linear1, this.linear2, activation, this.training ? (this.opts.activationDropout ?? this.opts.dropout) : 0, this.rng, r("feed_forward")),
      normFirst, p, this.rng, r("sublayer2"), r("norm2"));
  }
}

export interface DecoderLayerCache {
  self: AttentionCache;
  cross: AttentionCache;
}

/**
 * One decoder layer (paper §3.1): masked self-attention, then encoder-decoder (cross) attention whose keys
 * and values come from the encoder's final output, then feed-forward.
 */
export class DecoderLayer extends Module {
  readonly selfAttn: MultiHeadAttention;
  readonly crossAttn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;

  constructor(readonly opts: LayerOptions, private readonly rng: Rng) {
    super();
    const { dModel, dFF, layerNormEps, numHeads } = opts;
    this.selfAttn = this.addChild("self_attn", new MultiHeadAttention(dModel, numHeads, opts.attentionDropout ?? opts.dropout, rng));
    this.crossAttn = this.addChild("multihead_attn", new MultiHeadAttention(dModel, numHeads, opts.attentionDropout ?? opts.dropout, rng));
    this.linear1 = this.addChild("linear1", new Linear(dModel, dFF));
    this.linear2 = this.addChild("linear2", new Linear(dFF, dModel));
    this.norm1 = this.addChild("norm1", new LayerNorm(dModel, layerNormEps));
    this.norm2 = this.addChild("norm2", new LayerNorm(dModel, layerNormEps));
    this.norm3 = this.addChild("norm3", new LayerNorm(dModel, layerNormEps));
  }

  /** y (B, T, dModel) over memory (B, S, dModel). */
  forward(y: Tensor, memory: Tensor, { tgtKeyPad, memKeyPad, cache, keepWeights = false, recorder }: DecoderInputs): Tensor {
    const p = this.training ? this.opts.dropout : 0;
    const { normFirst, activation } = this.opts;
    const r = (name: string) => scopedRecorder(recorder, name); // undefined without a recorder
    y = sublayerConnection(y, this.norm1, (z) => this.selfAttn.forward(z, null, { keyPad: tgtKeyPad, causal: true, cache: cache?.self, keepWeights, recorder: r("self_attn") }),
      normFirst, p, this.rng, r("sublayer1"), r("norm1"));
    y = sublayerConnection(y, this.norm2, (z) => this.crossAttn.forward(z, memory, { keyPad: memKeyPad, cache: cache?.cross, keepWeights, recorder: r("multihead_attn") }),
      normFirst, p, this.rng, r("sublayer2"), r("norm2"));
    return sublayerConnection(y, this.norm3, (z) => feedForward(z, this.linear1, this.linear2, activation, this.training ? (this.opts.activationDropout ?? this.opts.dropout) : 0, this.rng, r("feed_forward")),
      normFirst, p, this.rng, r("sublayer3"), r("norm3"));
  }
}
