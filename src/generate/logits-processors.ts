import { backend, toHost } from "../backend/index.js";
/**
 * Logits processors: small functions that rewrite one row's next-token scores (V) in place before a token is
 * chosen, composed in a fixed order by `buildProcessors` (transformers.js's decomposition). A removed token's
 * score becomes -Infinity.
 */
import type { ResolvedGenerationConfig } from "./config.js";

/** Rewrites `scores` (V) in place, given the tokens the row has seen so far. */
export type LogitsProcessor = (scores: Float32Array, history: readonly number[]) => void;

/**
 * CTRL's repetition penalty (Keskar et al. 2019, §4.1; as Hugging Face's RepetitionPenaltyLogitsProcessor):
 * each distinct token already seen has its logit divided by θ when positive, multiplied by θ when negative,
 * so θ > 1 always makes it less likely.
 */
export function repetitionPenalty(theta: number): LogitsProcessor {
  return (scores, history) => {
    const seen = new Set(history);
    for (const id of seen) {
      if (id < 0 || id >= scores.length) continue;
      const s = scores[id];
      scores[id] = s > 0 ? s / theta : s * theta;
    }
  };
}

/** Divides every logit by T (T < 1 sharpens the distribution, T > 1 flattens it). */
export function temperature(t: number): LogitsProcessor {
  return (scores) => {
    for (let i = 0; i < scores.length; i++) scores[i] /= t;
  };
}

/** Keeps the k highest scores (and any tied with the k-th), removes the rest. */
export function topK(k: number): LogitsProcessor {
  return (scores) => {
    if (k >= scores.length) return;
    const kth = Float32Array.from(scores).sort().reverse()[k - 1]; // k-th largest
    for (let i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = -Infinity;
  };
}

/**
 * Nucleus filtering (Holtzman et al. 2020): keeps the fewest highest-probability tokens whose probabilities
 * add up to at least p (the token that crosses p is kept; so is the most likely token, whatever p).
 */
export function topP(p: number): LogitsProcessor {
  return (scores) => {
    if (p >= 1) return;
    const probs = softmax(scores);
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
    let cum = 0;
    let kept = 0;
    while (kept < order.length && (kept === 0 || cum < p)) cum += probs[order[kept++]];
    for (let r = kept; r < order.length; r++) scores[order[r]] = -Infinity;
  };
}

/** The processors a config asks for, in Hugging Face's order: repetition penalty, temperature, top-k, top-p. */
export function buildProcessors(cfg: ResolvedGenerationConfig): LogitsProcessor[] {
  const out: LogitsProcessor[] = [];
  if (cfg.repetitionPenalty !== 1) out.push(repetitionPenalty(cfg.repetitionPenalty));
  if (cfg.strategy === "sample") {
    if (cfg.temperature !== 1) out.push(temperature(cfg.temperature));
    if (cfg.topK !== undefined) out.push(topK(cfg.topK));
    if (cfg.topP !== undefined) out.push(topP(cfg.topP));
  }
  return out;
}

/** softmax(scores) in float64; -Infinity scores get probability 0. */
export function softmax(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp(scores[i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * log Σ_j exp(scores[r, j]) for each row of (rows, V) scores, by the backend's cross-entropy kernel: vector exp on
 * the fast backends, where a per-token Math.exp over the vocabulary would cost a decoding step about a tenth of
 * its time. Entries of −∞ (masked by top-k/top-p) count as 0. Float32 results. On a device backend the kernel
 * runs where scores were copied to, so lse is brought back, and scores is handed back to the host, which the
 * searches then read and rewrite in place (beam search's log softmax).
 */
export function rowLogSumExp(scores: Float32Array, rows: number, V: number): Float32Array {
  const lse = new Float32Array(rows);
  const ignored = new Int32Array(rows).fill(-1); // every row "ignored": only logSumExp is wanted
  backend().crossEntropy({ logits: scores, targets: ignored, rows, cols: V, ignoreIndex: -1, labelSmoothing: 0, rowLoss: new Float32Array(rows), logSumExp: lse });
  toHost(lse);
  toHost(scores);
  return lse;
}
