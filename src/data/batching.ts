/**
 * Batching by a token budget (paper §5.1: "each training batch contained a set of sentence pairs containing
 * approximately 25000 source tokens and 25000 target tokens"): examples sorted by length so that similar lengths
 * share a batch, batches cut so that their padded size stays within the budget, batch order shuffled. The budget
 * is per side, as the paper's and fairseq's --max-tokens: a batch of pairs holds up to maxTokens padded source
 * tokens and up to maxTokens padded target tokens (batchSize × max(longest source, longest target) ≤ maxTokens).
 */
import { OptionError } from "../errors.js";
import { Rng } from "../tensor/random.js";

/** Row lengths as collated: one number per example, or [source, target] for pairs (see seq2seqLengths). */
export type ExampleLengths = readonly number[] | readonly (readonly [number, number])[];

export interface BatchOptions {
  /**
   * Most padded tokens in a batch on each side: batchSize × longest row, the longer side for pairs
   * (B·max(S, T) ≤ maxTokens).
   */
  maxTokens: number;
  /** Shuffle ties in length and the order of the batches. */
  shuffle: boolean;
  /** Seed of the shuffle (pass e.g. seed + epoch for a new order each epoch). @default 0 */
  seed?: number;
  /** Most examples in a batch. @default no limit */
  maxExamples?: number;
}

/** Groups example indices into batches; every index appears in exactly one batch. */
export function batchByTokens(lengths: ExampleLengths, opts: BatchOptions): number[][] {
  const { maxTokens } = opts;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new OptionError(`maxTokens must be an integer ≥ 1, got ${maxTokens}`);
  const maxExamples = opts.maxExamples ?? Infinity;
  if (maxExamples !== Infinity && (!Number.isInteger(maxExamples) || maxExamples < 1)) {
    throw new OptionError(`maxExamples must be an integer ≥ 1, got ${maxExamples}`);
  }
  const n = lengths.length;
  const src = new Int32Array(n);
  const tgt = new Int32Array(n); // stays 0 for single sequences
  for (let i = 0; i < n; i++) {
    const l = lengths[i];
    const [s, t] = typeof l === "number" ? [l, 0] : l;
    if (!Number.isInteger(s) || !Number.isInteger(t) || s < 0 || t < 0) {
      throw new RangeError(`batchByTokens: example ${i} has length ${String(l)} (expected integers ≥ 0)`);
    }
    src[i] = s;
    tgt[i] = t;
  }

  const rng = new Rng(opts.seed ?? 0, "mulberry32");
  const order = Array.from({ length: n }, (_, i) => i);
  if (opts.shuffle) rng.shuffle(order); // random order among equal lengths
  order.sort((a, b) => src[a] - src[b] || tgt[a] - tgt[b]); // stable: by source, then target length

  const batches: number[][] = [];
  let batch: number[] = [];
  let maxS = 0;
  let maxT = 0;
  for (const i of order) {
    const alone = Math.max(src[i], tgt[i]);
    if (alone > maxTokens) {
      throw new OptionError(
        `batchByTokens: example ${i} alone takes ${alone} padded tokens, more than maxTokens ${maxTokens} (filter long examples first or raise maxTokens)`,
      );
    }
    const s = Math.max(maxS, src[i]);
    const t = Math.max(maxT, tgt[i]);
    if (batch.length > 0 && ((batch.length + 1) * Math.max(s, t) > maxTokens || batch.length + 1 > maxExamples)) {
      batches.push(batch);
      batch = [i];
      maxS = src[i];
      maxT = tgt[i];
    } else {
      batch.push(i);
      maxS = s;
      maxT = t;
    }
  }
  if (batch.length > 0) batches.push(batch);
  if (opts.shuffle) rng.shuffle(batches);
  return batches;
}

/** The padded size of a batch as batchByTokens counts it: batchSize × the longest row on its longer side. */
export function paddedTokens(lengths: ExampleLengths, batch: readonly number[]): number {
  let s = 0;
  let t = 0;
  for (const i of batch) {
    const l = lengths[i];
    if (typeof l === "number") s = Math.max(s, l);
    else {
      s = Math.max(s, l[0]);
      t = Math.max(t, l[1]);
    }
  }
  return batch.length * Math.max(s, t);
}
