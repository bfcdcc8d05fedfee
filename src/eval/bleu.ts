/**
 * Corpus BLEU (Papineni et al. 2002) as sacreBLEU 2.x computes it with one reference per segment: each segment is
 * right-stripped, optionally lowercased, tokenized (13a by default), its 1..4-gram matches are clipped by the
 * reference counts, all counts are summed over the corpus, and
 *   BLEU = BP · exp(mean over n of log p_n),  BP = 1 if c ≥ r else exp(1 − r/c)  (c = system, r = reference length).
 * Scores and precisions are on sacreBLEU's 0..100 scale.
 */
import { OptionError } from "../errors.js";
import { checkCorpus } from "./check-corpus.js";
import { tokenize13a } from "./tokenize-13a.js";
import { rstripWhitespace, splitWhitespace } from "./whitespace.js";

export type BleuSmoothing = "exp" | "none" | "floor" | "add-k";

export interface BleuOptions {
  /** Lowercase hypotheses and references before tokenizing. @default false */
  lowercase?: boolean;
  /** "13a" (mteval-v13a, sacreBLEU's default) or "none" (split on whitespace only). @default "13a" */
  tokenize?: "13a" | "none";
  /**
   * Smoothing for zero n-gram matches (Chen & Cherry 2014): "exp" halves the pseudo-count at each further zero
   * order (mteval's NIST smoothing, sacreBLEU's default), "floor" uses smoothValue as the count, "add-k" adds
   * smoothValue to counts and totals of orders 2..4, "none" leaves zero precisions (score 0). @default "exp"
   */
  smooth?: BleuSmoothing;
  /** The value for "floor" (default 0.1) and "add-k" (default 1); not allowed with the other methods. */
  smoothValue?: number;
  /** Average only over the orders the corpus has n-grams of (for sentence-level BLEU). @default false */
  effectiveOrder?: boolean;
}

export interface BleuResult {
  /** BLEU on 0..100. */
  score: number;
  /** Modified n-gram precisions, n = 1..4, on 0..100 (after smoothing). */
  precisions: number[];
  /** Brevity penalty, 0..1. */
  bp: number;
  /** Total hypothesis tokens (c). */
  sysLen: number;
  /** Total reference tokens (r). */
  refLen: number;
  /** sysLen / refLen (0 when refLen is 0). */
  ratio: number;
  /** Clipped matching n-grams per order (before smoothing). */
  counts: number[];
  /** Hypothesis n-grams per order (before smoothing). */
  totals: number[];
}

const MAX_ORDER = 4;
const SMOOTH_DEFAULTS: Record<BleuSmoothing, number | undefined> = { exp: undefined, none: undefined, floor: 0.1, "add-k": 1 };
/** sacreBLEU's `my_log`: log(0) is floored to this instead of −∞. */
const LOG_ZERO = -9999999999;

/** Corpus BLEU of `hypotheses` against one reference each, with sacreBLEU's defaults. */
export function corpusBleu(hypotheses: readonly string[], references: readonly string[], opts: BleuOptions = {}): BleuResult {
  checkCorpus("corpusBleu", hypotheses, references);
  const smooth = opts.smooth ?? "exp";
  if (!(smooth in SMOOTH_DEFAULTS)) {
    throw new OptionError(`corpusBleu: unknown smooth "${smooth}" (expected exp, none, floor or add-k)`);
  }
  const defaultValue = SMOOTH_DEFAULTS[smooth];
  if (opts.smoothValue !== undefined && defaultValue === undefined) {
    throw new OptionError(`corpusBleu: smoothValue applies only to smooth "floor" or "add-k", not "${smooth}"`);
  }
  const smoothValue = opts.smoothValue ?? defaultValue ?? 0;
  if (!Number.isFinite(smoothValue) || smoothValue < 0) {
    throw new OptionError(`corpusBleu: smoothValue must be a finite number ≥ 0, got ${smoothValue}`);
  }
  const tokenizeMode = opts.tokenize ?? "13a";
  if (tokenizeMode !== "13a" && tokenizeMode !== "none") {
    throw new OptionError(`corpusBleu: unknown tokenize "${tokenizeMode}" (expected 13a or none)`);
  }
  const prepare = (s: string): string[] => {
    let t = opts.lowercase ? s.toLowerCase() : s;
    t = rstripWhitespace(t);
    return splitWhitespace(tokenizeMode === "13a" ? tokenize13a(t) : t);
  };

  const counts = new Array<number>(MAX_ORDER).fill(0);
  const totals = new Array<number>(MAX_ORDER).fill(0);
  let sysLen = 0;
  let refLen = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = prepare(hypotheses[i]);
    const ref = prepare(references[i]);
    sysLen += hyp.length;
    refLen += ref.length;
    for (let n = 1; n <= MAX_ORDER; n++) {
      const refNgrams = countNgrams(ref, n);
      for (const [gram, c] of countNgrams(hyp, n)) {
        totals[n - 1] += c;
        counts[n - 1] += Math.min(c, refNgrams.get(gram) ?? 0);
      }
    }
  }
  return bleuFromStatistics(counts, totals, sysLen, refLen, smooth, smoothValue, opts.effectiveOrder ?? false);
}

/** sacreBLEU's `compute_bleu`: the score from summed statistics. */
function bleuFromStatistics(
  counts: number[], totals: number[], sysLen: number, refLen: number,
  smooth: BleuSmoothing, smoothValue: number, effectiveOrder: boolean,
): BleuResult {
  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  const precisions = new Array<number>(MAX_ORDER).fill(0);
  const result = { precisions, bp, sysLen, refLen, ratio: refLen > 0 ? sysLen / refLen : 0, counts, totals };
  // No matching n-gram of any order: 0 whatever the smoothing.
  if (counts.every((c) => c === 0)) return { score: 0, ...result };

  let mtevalFactor = 1;
  let order = MAX_ORDER;
  for (let n = 1; n <= MAX_ORDER; n++) {
    let correct = counts[n - 1];
    let total = totals[n - 1];
    if (smooth === "add-k" && n > 1) {
      correct += smoothValue;
      total += smoothValue;
    }
    if (total === 0) break;
    if (effectiveOrder) order = n;
    if (correct === 0) {
      if (smooth === "exp") {
        mtevalFactor *= 2;
        precisions[n - 1] = 100 / (mtevalFactor * total);
      } else if (smooth === "floor") {
        precisions[n - 1] = (100 * smoothValue) / total;
      }
    } else {
      precisions[n - 1] = (100 * correct) / total;
    }
  }
  let logSum = 0;
  for (let n = 0; n < order; n++) logSum += precisions[n] === 0 ? LOG_ZERO : Math.log(precisions[n]);
  return { score: bp * Math.exp(logSum / order), ...result };
}

/** Counts of the word n-grams of order n; keys join the words with a space (words never contain one). */
function countNgrams(words: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(" ");
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}
