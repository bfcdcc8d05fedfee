import { type AttentionInput, Tensor, attention, concat, linear, narrow } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

/**
 * What one attention layer remembers between decoding steps. Self-attention: the keys and values of every
 * token so far, one row more per step (B, S, dModel). Cross-attention: the encoder output's keys and values,
 * computed once per source sentence.
 */
export interface AttentionCache {
  k?: Tensor;
  v?: Tensor;
}

export interface MultiHeadAttentionOptions {
  /** (B, S) over all keys (cached ones included), 1 = padding. */
  keyPad?: Uint8Array | null;
  /** Masked self-attention: a query may not see later positions. */
  causal?: boolean;
  /** Incremental decoding state; updated in place. */
  cache?: AttentionCache;
  /** Keep this call's weights (B, h, T, S) in `lastWeights`, for inspection. */
  keepWeights?: boolean;
}

/**
 * MultiHead(Q, K, V) = Concat(head_1..head_h) W_O (paper §3.2.2), with PyTorch's parameter layout:
 * in_proj_weight (3·dModel, dModel) stacks W_Q, W_K, W_V (rows 0..d-1, d..2d-1, 2d..3d-1), out_proj is W_O.
 */
export class MultiHeadAttention extends Module {
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor;
  readonly outProj: Linear;
  lastWeights: Float32Array | null = null;

  constructor(readonly dModel: number, readonly numHeads: number, readonly dropout: number, private readonly rng: Rng) {
    super();
    if (dModel % numHeads !== 0) throw new Error(`d_model ${dModel} is not divisible by num_heads ${numHeads}`);
    this.inProjWeight = this.addParameter("in_proj_weight", [3 * dModel, dModel]);
    this.inProjBias = this.addParameter("in_proj_bias", [3 * dModel]);
    this.outProj = this.addChild("out_proj", new Linear(dModel, dModel));
  }

  /** x W_part + b_part for part 0 (Q), 1 (K) or 2 (V). */
  private project(x: Tensor, part: number): Tensor {
    const d = this.dModel;
    return linear(x, narrow(this.inProjWeight, 0, part * d, d), narrow(this.inProjBias, 0, part * d, d));
  }

  /**
   * x (B, T, dModel) attends to `memory` (B, S, dModel) — cross-attention — or to itself when memory is null.
   */
  forward(x: Tensor, memory: Tensor | null, opts: MultiHeadAttentionOptions = {}): Tensor {
    const cache = opts.cache;
    const d = this.dModel;
    if (!cache) {
      // one GEMM for Q, K and V (self) or for K and V (cross), read by the attention in place as column bands
      if (!memory) {
        const qkv = linear(x, this.inProjWeight, this.inProjBias); // (B, T, 3·dModel)
        return this.attend({ t: qkv, col: 0, width: d }, { t: qkv, col: d, width: d }, { t: qkv, col: 2 * d, width: d }, 0, opts);
      }
      const kv = linear(memory, narrow(this.inProjWeight, 0, d, 2 * d), narrow(this.inProjBias, 0, d, 2 * d)); // (B, S, 2·dModel)
      return this.attend(this.project(x, 0), { t: kv, col: 0, width: d }, { t: kv, col: d, width: d }, 0, opts);
    }
    let q: AttentionInput;
    let k: Tensor;
    let v: Tensor;
    let queryOffset = 0;
    if (memory) {
      // cross-attention: the encoder output does not change while decoding, so its K and V are made once
      q = this.project(x, 0); // (B, T, dModel)
      k = cache.k ?? this.project(memory, 1); // (B, S, dModel)
      v = cache.v ?? this.project(memory, 2);
    } else {
      const qkv = linear(x, this.inProjWeight, this.inProjBias); // (B, T, 3·dModel): one GEMM
      q = { t: qkv, col: 0, width: d };
      k = narrow(qkv, 2, d, d); // the cache keeps K and V whole: views for one row, copies otherwise
      v = narrow(qkv, 2, 2 * d, d);
      if (cache.k && cache.v) {
        queryOffset = cache.k.shape[1];
        k = concat([cache.k, k], 1); // (B, S_past + T, dModel)
        v = concat([cache.v, v], 1);
      }
    }
    cache.k = k;
    cache.v = v;
    return this.attend(q, k, v, queryOffset, opts);
  }

  private attend(q: AttentionInput, k: AttentionInput, v: AttentionInput, queryOffset: number, opts: MultiHeadAttentionOptions): Tensor {
    const [B, S] = (k instanceof Tensor ? k : k.t).shape;
    if (opts.keyPad && opts.keyPad.length !== B * S) {
      throw new Error(`MultiHeadAttention: keyPad has ${opts.keyPad.length} entries, expected ${B}×${S} (batch × keys, cached ones included)`);
    }
    const p = this.training ? this.dropout : 0;
    const { out, weights } = attention(q, k, v, {
      numHeads: this.numHeads,
      keyPad: opts.keyPad,
      causal: opts.causal,
      queryOffset,
      dropout: p,
      rng: this.rng,
      keepWeights: opts.keepWeights,
    });
    this.lastWeights = weights;
    return this.outProj.forward(out); // (B, T, dModel)
  }
}
