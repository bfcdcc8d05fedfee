import { backend } from "../backend/index.js";
import { type AttentionInput, type Recorder, Tensor, attention, isGradEnabled, linear, narrow } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

/**
 * What one attention layer remembers between decoding steps. Self-attention: the keys and values of every
 * token so far, one row more per step: k and v are (B, capacity, dModel) buffers whose first `length` rows are
 * in use, grown by doubling, so a step writes its own row instead of copying the whole cache. Cross-attention:
 * the encoder output's keys and values (B, S, dModel), computed once per source sentence (no `length`).
 */
export interface AttentionCache {
  k?: Tensor;
  v?: Tensor;
  /** Rows of k and v in use; all of them when absent. */
  length?: number;
}

/** Rows in use of a cache's k and v. */
export function cachedRows(cache: AttentionCache): number {
  return cache.k ? (cache.length ?? cache.k.shape[1]) : 0;
}

/**
 * Appends rows (B, T) of K and V — column bands [kCol, kCol + d) and [vCol, vCol + d) of src (B, T, C) — to a
 * self-attention cache, growing its buffers (by doubling) when full.
 */
function appendToCache(cache: AttentionCache, src: Tensor, kCol: number, vCol: number, d: number): void {
  const [B, T, C] = src.shape;
  const past = cachedRows(cache);
  let cap = cache.k ? cache.k.shape[1] : 0;
  // copies through the backend, so that on a GPU the cache never leaves it (a host loop would read the step's
  // projections back and send the whole cache again every step)
  const be = backend();
  if (past + T > cap) {
    const grown = Math.max(16, 2 * cap, past + T);
    const move = (old: Tensor | undefined): Tensor => {
      const buf = new Float32Array(B * grown * d); // a cache outlives the step: never a slab
      if (old && past > 0) {
        be.copyStrided({ src: old.buf, srcOffset: 0, dst: buf, dstOffset: 0, sizes: [B, past * d], srcStrides: [cap * d, 1], dstStrides: [grown * d, 1] });
      }
      return new Tensor(buf, [B, grown, d]);
    };
    cache.k = move(cache.k);
    cache.v = move(cache.v);
    cap = grown;
  }
  // rows (B, T) of the band [col, col + d) of src (B, T, C) → rows past.. of the cache (B, cap, d)
  const append = (dst: Tensor, col: number): void =>
    be.copyStrided({ src: src.buf, srcOffset: col, dst: dst.buf, dstOffset: past * d, sizes: [B, T, d], srcStrides: [T * C, C, 1], dstStrides: [cap * d, d, 1] });
  append(cache.k!, kCol);
  append(cache.v!, vCol);
  cache.length = past + T;
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
  /**
   * Records `q` (B, T, dModel), `k` and `v` (B, S, dModel) as the attention read them (cached rows included),
   * the attention op's `scores`, `mask` and `weights`, `concat` (B, T, dModel: the heads side by side) and
   * `output` (concat W_O + b_O).
   */
  recorder?: Recorder;
}

/** The rows and columns an attention input uses, as a (B, L, width) array of their own (for a recorder). */
function dense(x: AttentionInput): { data: Float32Array; shape: number[] } {
  if (x instanceof Tensor) return { data: x.data, shape: [...x.shape] };
  const [B, L, C] = x.t.shape;
  const rows = x.rows ?? L;
  const out = new Float32Array(B * rows * x.width);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < rows; r++) {
      const at = (b * L + r) * C + x.col;
      out.set(x.t.data.subarray(at, at + x.width), (b * rows + r) * x.width);
    }
  }
  return { data: out, shape: [B, rows, x.width] };
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
    if (memory) {
      // cross-attention: the encoder output does not change while decoding, so its K and V are made once
      cache.k ??= this.project(memory, 1); // (B, S, dModel)
      cache.v ??= this.project(memory, 2);
      return this.attend(this.project(x, 0), cache.k, cache.v, 0, opts);
    }
    // self-attention: this step's K and V join the cache, and the queries attend to every cached row
    if (isGradEnabled()) throw new Error("MultiHeadAttention: a KV cache is for decoding (no gradients); run it under noGrad");
    const qkv = linear(x, this.inProjWeight, this.inProjBias); // (B, T, 3·dModel): one GEMM
    const queryOffset = cachedRows(cache);
    appendToCache(cache, qkv, d, 2 * d, d);
    const rows = cache.length!;
    return this.attend({ t: qkv, col: 0, width: d }, { t: cache.k!, col: 0, width: d, rows }, { t: cache.v!, col: 0, width: d, rows },
      queryOffset, opts);
  }

  private attend(q: AttentionInput, k: AttentionInput, v: AttentionInput, queryOffset: number, opts: MultiHeadAttentionOptions): Tensor {
    const B = (k instanceof Tensor ? k : k.t).shape[0];
    const S = k instanceof Tensor ? k.shape[1] : (k.rows ?? k.t.shape[1]);
    if (opts.keyPad && opts.keyPad.length !== B * S) {
      throw new Error(`MultiHeadAttention: keyPad has ${opts.keyPad.length} entries, expected ${B}×${S} (batch × keys, cached ones included)`);
    }
    const p = this.training ? this.dropout : 0;
    const rec = opts.recorder;
    if (rec) {
      for (const [name, x] of [["q", q], ["k", k], ["v", v]] as const) {
        const { data, shape } = dense(x);
        rec(name, data, shape);
      }
    }
    const { out, weights } = attention(q, k, v, {
      numHeads: this.numHeads,
      keyPad: opts.keyPad,
      causal: opts.causal,
      queryOffset,
      dropout: p,
      rng: this.rng,
      keepWeights: opts.keepWeights,
      recorder: rec,
    });
    this.lastWeights = weights;
    const y = this.outProj.forward(out); // (B, T, dModel)
    if (rec) {
      rec("concat", out.data, out.shape);
      rec("output", y.data, y.shape);
    }
    return y;
  }
}
