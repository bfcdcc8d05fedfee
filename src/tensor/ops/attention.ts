import { backend } from "../../backend/index.js";
import type { AttentionMask, GemmArgs } from "../../backend/backend.js";
import { record } from "../autograd.js";
import type { Rng } from "../random.js";
import { Tensor } from "../tensor.js";

export interface AttentionOptions {
  numHeads: number;
  /** (B, S), 1 = padding key: never attended to. */
  keyPad?: Uint8Array | null;
  /** Query t may not see keys after position t + queryOffset (the decoder's masked self-attention). */
  causal?: boolean;
  /** Keys that precede the first query (the KV cache length while decoding). */
  queryOffset?: number;
  /** Dropout on the attention weights (training only), as nn.MultiheadAttention. */
  dropout?: number;
  rng?: Rng;
  /** Keep the (B, h, T, S) weights for inspection. */
  keepWeights?: boolean;
}

/** Element strides of one attention operand: between sentences (b) and between heads (i). */
type Strides = [perSentence: number, perHead: number];

/**
 * One product per (sentence b, head i), all of the same shape, as few batched GEMM calls as possible: one per head
 * over the sentences when there are more sentences than heads (training), else one per sentence over the heads
 * (decoding one sentence). Each product is computed alike either way.
 */
function perSentenceAndHead(
  args: Omit<GemmArgs, "aOffset" | "bOffset" | "cOffset" | "batch" | "strideA" | "strideB" | "strideC">,
  B: number, h: number, a: Strides, b: Strides, c: Strides,
): void {
  const be = backend();
  const [outer, inner, o] = B >= h ? [h, B, 1] : [B, h, 0]; // o: which stride steps between calls
  for (let x = 0; x < outer; x++) {
    be.gemm({
      ...args, aOffset: x * a[o], bOffset: x * b[o], cOffset: x * c[o],
      batch: inner, strideA: a[1 - o], strideB: b[1 - o], strideC: c[1 - o],
    });
  }
}

export interface AttentionResult {
  out: Tensor; // (B, T, d)
  weights: Float32Array | null; // (B, h, T, S), before dropout
}

/**
 * Scaled dot-product attention over numHeads heads (paper §3.2.1–3.2.2):
 * head_i = softmax(Q_i K_iᵀ / √dK + mask) V_i, heads concatenated. q (B, T, d), k and v (B, S, d), with
 * head i in columns i·dK..(i+1)·dK-1, so heads are addressed by strides and never split or merged by copies.
 * One op with a hand-written backward: the scores and weights stay inside it instead of becoming graph nodes.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): AttentionResult {
  const [B, T, d] = q.shape;
  const S = k.shape[1];
  const h = opts.numHeads;
  const dK = d / h;
  if (!Number.isInteger(dK)) throw new Error(`attention: d_model ${d} is not divisible by ${h} heads`);
  if (k.shape[0] !== B || v.shape[0] !== B || v.shape[1] !== S || k.shape[2] !== d || v.shape[2] !== d) {
    throw new Error(`attention: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit together`);
  }
  const mask: AttentionMask = {
    batch: B, heads: h, queries: T, keys: S,
    keyPad: opts.keyPad ?? undefined, causal: opts.causal ?? false, queryOffset: opts.queryOffset ?? 0,
  };
  const scale = 1 / Math.sqrt(dK);
  const be = backend();
  const probs = new Float32Array(B * h * T * S); // (B, h, T, S)
  // scores_b,i (T, S) = Q_b,i (T, dK) · K_b,iᵀ (dK, S)
  perSentenceAndHead({ m: T, n: S, k: dK, a: q.data, b: k.data, c: probs, transB: true, lda: d, ldb: d },
    B, h, [T * d, dK], [S * d, dK], [h * T * S, T * S]);
  be.maskedSoftmax(probs, probs, mask, scale);
  const p = opts.dropout ?? 0;
  let dropped = probs;
  let keep: Uint8Array | null = null;
  if (p > 0) {
    if (!opts.rng) throw new Error("attention: dropout needs an rng");
    keep = new Uint8Array(probs.length);
    dropped = new Float32Array(probs.length);
    be.dropout(probs, dropped, keep, probs.length, p, opts.rng.liveState); // draws as opts.rng.uniform() >= p
  }
  const out = new Float32Array(B * T * d);
  // out_b,i (T, dK) = P_b,i (T, S) · V_b,i (S, dK), written into head i's columns
  perSentenceAndHead({ m: T, n: dK, k: S, a: dropped, b: v.data, c: out, ldb: d, ldc: d },
    B, h, [h * T * S, T * S], [S * d, dK], [T * d, dK]);
  const result = record(out, [B, T, d], [q, k, v], (o) => {
    const dOut = o.grad!; // (B, T, d)
    const dP = new Float32Array(probs.length); // (B, h, T, S)
    const dV = new Float32Array(v.size);
    // dP_b,i (T, S) = dOut_b,i (T, dK) · V_b,iᵀ
    perSentenceAndHead({ m: T, n: S, k: dK, a: dOut, b: v.data, c: dP, transB: true, lda: d, ldb: d },
      B, h, [T * d, dK], [S * d, dK], [h * T * S, T * S]);
    // dV_b,i (S, dK) = P_b,iᵀ (S, T) · dOut_b,i (T, dK)
    perSentenceAndHead({ m: S, n: dK, k: T, a: dropped, b: dOut, c: dV, transA: true, lda: S, ldb: d, ldc: d },
      B, h, [h * T * S, T * S], [T * d, dK], [S * d, dK]);
    if (keep) be.maskScale(dP, keep, 1 / (1 - p), dP, dP.length);
    // through softmax(scale · scores): dScores = scale · P ⊙ (dP − Σ dP ⊙ P); masked entries have P = 0
    be.softmaxBackward(probs, dP, dP, B * h * T, S, scale);
    const dQ = new Float32Array(q.size);
    const dK_ = new Float32Array(k.size);
    // dQ_b,i (T, dK) = dScores_b,i (T, S) · K_b,i (S, dK)
    perSentenceAndHead({ m: T, n: dK, k: S, a: dP, b: k.data, c: dQ, ldb: d, ldc: d },
      B, h, [h * T * S, T * S], [S * d, dK], [T * d, dK]);
    // dK_b,i (S, dK) = dScores_b,iᵀ (S, T) · Q_b,i (T, dK)
    perSentenceAndHead({ m: S, n: dK, k: T, a: dP, b: q.data, c: dK_, transA: true, lda: S, ldb: d, ldc: d },
      B, h, [h * T * S, T * S], [T * d, dK], [S * d, dK]);
    if (q.requiresGrad) q.accumulateGrad(dQ, { owned: true });
    if (k.requiresGrad) k.accumulateGrad(dK_, { owned: true });
    if (v.requiresGrad) v.accumulateGrad(dV, { owned: true });
  });
  return { out: result, weights: opts.keepWeights ? probs : null };
}
