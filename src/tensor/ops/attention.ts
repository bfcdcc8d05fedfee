import { backend, toHost } from "../../backend/index.js";
import type { AttentionMask, GemmArgs } from "../../backend/backend.js";
import { record } from "../autograd.js";
import type { Rng } from "../random.js";
import type { Recorder } from "../recorder.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

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
  /** Records `scores` (B, h, T, S) Q·Kᵀ before scale and mask, `mask` (B, T, S) 0 or −∞, and `weights` (B, h, T, S). */
  recorder?: Recorder;
}

/** Where one attention operand's elements are: its first, and the steps between sentences (b) and heads (i). */
type Strides = [base: number, perSentence: number, perHead: number];

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
  const [outer, inner, o] = B >= h ? [h, B, 2] : [B, h, 1]; // o: the stride that steps between calls
  const i = 3 - o; // the one within a call
  for (let x = 0; x < outer; x++) {
    // every key written out, in one order: one object shape for every call (decoding makes a dozen per token)
    be.gemm({
      transA: args.transA ?? false, transB: args.transB ?? false, m: args.m, n: args.n, k: args.k,
      a: args.a, b: args.b, c: args.c, lda: args.lda, ldb: args.ldb, ldc: args.ldc, alpha: args.alpha ?? 1, beta: args.beta ?? 0,
      aOffset: a[0] + x * a[o], bOffset: b[0] + x * b[o], cOffset: c[0] + x * c[o],
      batch: inner, strideA: a[i], strideB: b[i], strideC: c[i],
    });
  }
}

/**
 * An attention input: a tensor (B, L, d) itself, or the band of `width` columns from column `col` of a wider one
 * (B, L, C) — Q, K and V of self-attention as parts of one fused projection (B, L, 3d), read in place — and of
 * its first `rows` rows only when given (a KV cache (B, capacity, d) that holds fewer keys than it has room for).
 */
export type AttentionInput = Tensor | { t: Tensor; col: number; width: number; rows?: number };

/** An input's tensor, first column, width, row stride (ld = C), rows used (L) and batch stride. */
interface Band {
  t: Tensor;
  col: number;
  width: number;
  ld: number;
  rows: number;
  perSentence: number;
}

function band(x: AttentionInput, what: string): Band {
  if (x instanceof Tensor) {
    if (x.ndim !== 3) throw new Error(`attention: ${what} must be (B, L, d), got [${x.shape}]`);
    const [, L, d] = x.shape;
    return { t: x, col: 0, ld: d, width: d, rows: L, perSentence: L * d };
  }
  const { t, col, width } = x;
  if (t.ndim !== 3 || col < 0 || col + width > t.shape[2]) {
    throw new Error(`attention: ${what} columns ${col}..${col + width - 1} are outside [${t.shape}]`);
  }
  const rows = x.rows ?? t.shape[1];
  if (!Number.isInteger(rows) || rows < 0 || rows > t.shape[1]) throw new Error(`attention: ${what} uses ${rows} rows of [${t.shape}]`);
  return { t, col, ld: t.shape[2], width, rows, perSentence: t.shape[1] * t.shape[2] };
}

export interface AttentionResult {
  out: Tensor; // (B, T, d)
  weights: Float32Array | null; // (B, h, T, S), before dropout
}

/**
 * The additive mask the kernels apply, written out for a recorder: (B, T, S), −∞ where key s is padding or, when
 * causal, after query t's position t + queryOffset; 0 elsewhere.
 */
function maskValues(B: number, T: number, S: number, keyPad: Uint8Array | null | undefined, causal: boolean, queryOffset: number): Float32Array {
  const out = new Float32Array(B * T * S);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < S; s++) if ((keyPad && keyPad[b * S + s]) || (causal && s > t + queryOffset)) out[(b * T + t) * S + s] = -Infinity;
    }
  }
  return out;
}

/**
 * Scaled dot-product attention over numHeads heads (paper §3.2.1–3.2.2):
 * head_i = softmax(Q_i K_iᵀ / √dK + mask) V_i, heads concatenated. q (B, T, d), k and v (B, S, d) — or bands of
 * wider tensors (AttentionInput) — with head i in columns i·dK..(i+1)·dK-1, so heads are addressed by strides and
 * never split or merged by copies. One op with a hand-written backward: the scores and weights stay inside it
 * instead of becoming graph nodes.
 */
export function attention(qIn: AttentionInput, kIn: AttentionInput, vIn: AttentionInput, opts: AttentionOptions): AttentionResult {
  const q = band(qIn, "q"), k = band(kIn, "k"), v = band(vIn, "v");
  const B = q.t.shape[0];
  const T = q.rows;
  const S = k.rows;
  const d = q.width;
  const h = opts.numHeads;
  const dK = d / h;
  if (!Number.isInteger(dK)) throw new Error(`attention: d_model ${d} is not divisible by ${h} heads`);
  if (k.t.shape[0] !== B || v.t.shape[0] !== B || v.rows !== S || k.width !== d || v.width !== d) {
    throw new Error(`attention: q [${q.t.shape}], k [${k.t.shape}], v [${v.t.shape}] do not fit together`);
  }
  const scale = 1 / Math.sqrt(dK);
  const be = backend();
  if (T === 1 && !(opts.dropout ?? 0) && !q.t.requiresGrad && !k.t.requiresGrad && !v.t.requiresGrad) {
    // one query per sentence, nothing to differentiate: a decoding step over the KV cache, fused into one kernel
    const causalCut = opts.causal ? Math.max(0, Math.min(S, (opts.queryOffset ?? 0) + 1)) : S;
    const weights = floats(B * h * S); // (B, h, 1, S)
    const out = floats(B * d); // (B, 1, d)
    be.attendOne({
      batch: B, heads: h, dK, keys: S, limit: causalCut, scale, keyPad: opts.keyPad ?? null, out, weights,
      q: q.t.buf, qOffset: q.col, qStride: q.perSentence,
      k: k.t.buf, kOffset: k.col, kStride: k.perSentence, kLd: k.ld,
      v: v.t.buf, vOffset: v.col, vStride: v.perSentence, vLd: v.ld,
    });
    const rec = opts.recorder;
    if (rec) {
      // the fused kernel keeps its scores to itself: for the record only, the general path's GEMM makes them
      const scores = new Float32Array(B * h * S); // (B, h, 1, S)
      perSentenceAndHead({ m: 1, n: S, k: dK, a: q.t.buf, b: k.t.buf, c: scores, transB: true, lda: q.ld, ldb: k.ld },
        B, h, [q.col, q.perSentence, dK], [k.col, k.perSentence, dK], [0, h * S, S]);
      toHost(scores);
      toHost(weights);
      rec("scores", scores, [B, h, 1, S]);
      rec("mask", maskValues(B, 1, S, opts.keyPad, opts.causal ?? false, opts.queryOffset ?? 0), [B, 1, S]);
      rec("weights", weights, [B, h, 1, S]);
    }
    if (opts.keepWeights) toHost(weights);
    return { out: new Tensor(out, [B, T, d]), weights: opts.keepWeights ? weights : null };
  }
  const mask: AttentionMask = {
    batch: B, heads: h, queries: T, keys: S,
    keyPad: opts.keyPad ?? undefined, causal: opts.causal ?? false, queryOffset: opts.queryOffset ?? 0,
  };
  const probs = floats(B * h * T * S); // (B, h, T, S)
  // scores_b,i (T, S) = Q_b,i (T, dK) · K_b,iᵀ (dK, S)
  perSentenceAndHead({ m: T, n: S, k: dK, a: q.t.buf, b: k.t.buf, c: probs, transB: true, lda: q.ld, ldb: k.ld },
    B, h, [q.col, q.perSentence, dK], [k.col, k.perSentence, dK], [0, h * T * S, T * S]);
  const rec = opts.recorder;
  if (rec) {
    toHost(probs);
    rec("scores", probs, [B, h, T, S]); // the softmax below overwrites them
    rec("mask", maskValues(B, T, S, opts.keyPad, opts.causal ?? false, opts.queryOffset ?? 0), [B, T, S]);
  }
  be.maskedSoftmax(probs, probs, mask, scale);
  if (rec) {
    toHost(probs);
    rec("weights", probs, [B, h, T, S]);
  }
  const p = opts.dropout ?? 0;
  let dropped = probs;
  let keep: Uint8Array | null = null;
  if (p > 0) {
    if (!opts.rng) throw new Error("attention: dropout needs an rng");
    keep = new Uint8Array(probs.length);
    dropped = new Float32Array(probs.length);
    be.dropout(probs, dropped, keep, probs.length, p, opts.rng.dropoutKey());
  }
  const out = floats(B * T * d);
  // out_b,i (T, dK) = P_b,i (T, S) · V_b,i (S, dK), written into head i's columns
  perSentenceAndHead({ m: T, n: dK, k: S, a: dropped, b: v.t.buf, c: out, ldb: v.ld, ldc: d },
    B, h, [0, h * T * S, T * S], [v.col, v.perSentence, dK], [0, T * d, dK]);
  const inputs = [...new Set([q.t, k.t, v.t])];
  const result = record(out, [B, T, d], inputs, (o) => {
    const dOut = o.gradRaw!; // (B, T, d)
    const dP = new Float32Array(probs.length); // (B, h, T, S)
    // dP_b,i (T, S) = dOut_b,i (T, dK) · V_b,iᵀ
    perSentenceAndHead({ m: T, n: S, k: dK, a: dOut, b: v.t.buf, c: dP, transB: true, lda: d, ldb: v.ld },
      B, h, [0, T * d, dK], [v.col, v.perSentence, dK], [0, h * T * S, T * S]);
    // dV_b,i (S, dK) += P_b,iᵀ (S, T) · dOut_b,i (T, dK), into V's band of its input's gradient (zeroed when new,
    // so every gradient below is added with beta 1: self-attention's Q, K and V share one buffer)
    if (v.t.requiresGrad) {
      perSentenceAndHead({ m: S, n: dK, k: T, a: dropped, b: dOut, c: v.t.gradBuf(), transA: true, lda: S, ldb: d, ldc: v.ld, beta: 1 },
        B, h, [0, h * T * S, T * S], [0, T * d, dK], [v.col, v.perSentence, dK]);
    }
    if (keep) be.maskScale(dP, keep, 1 / (1 - p), dP, dP.length);
    // through softmax(scale · scores): dScores = scale · P ⊙ (dP − Σ dP ⊙ P); masked entries have P = 0
    be.softmaxBackward(probs, dP, dP, B * h * T, S, scale);
    // dQ_b,i (T, dK) += dScores_b,i (T, S) · K_b,i (S, dK)
    if (q.t.requiresGrad) {
      perSentenceAndHead({ m: T, n: dK, k: S, a: dP, b: k.t.buf, c: q.t.gradBuf(), ldb: k.ld, ldc: q.ld, beta: 1 },
        B, h, [0, h * T * S, T * S], [k.col, k.perSentence, dK], [q.col, q.perSentence, dK]);
    }
    // dK_b,i (S, dK) += dScores_b,iᵀ (S, T) · Q_b,i (T, dK)
    if (k.t.requiresGrad) {
      perSentenceAndHead({ m: S, n: dK, k: T, a: dP, b: q.t.buf, c: k.t.gradBuf(), transA: true, lda: S, ldb: q.ld, ldc: k.ld, beta: 1 },
        B, h, [0, h * T * S, T * S], [q.col, q.perSentence, dK], [k.col, k.perSentence, dK]);
    }
  });
  if (opts.keepWeights) toHost(probs);
  return { out: result, weights: opts.keepWeights ? probs : null };
}
