/**
 * Corpus chrF (Popović 2015) and chrF++ (Popović 2017) as sacreBLEU 2.x computes them with one reference per
 * segment. For each order (character n-grams 1..charOrder over the text with whitespace removed, then word
 * n-grams 1..wordOrder) the hypothesis, reference and matching (clipped) n-gram counts are summed over the corpus.
 * By default (sacreBLEU's `eps_smoothing=False`) precision and recall are averaged over the orders where both
 * sides have n-grams, and the score is F_β of those averages:
 *   chrF = 100 · (1 + β²) · P · R / (β² · P + R).
 * With epsSmoothing (chrF++.py / Moses / NLTK style) it is instead the mean over all orders of each order's F_β,
 * with 1e-16 standing in for undefined precisions, recalls and F-scores.
 */
import { OptionError } from "../errors.js";
import { checkCorpus } from "./check-corpus.js";
import { removeWhitespace, splitWhitespace } from "./whitespace.js";

export interface ChrfOptions {
  /** Character n-gram orders 1..charOrder. @default 6 */
  charOrder?: number;
  /** Word n-gram orders 1..wordOrder; 2 gives chrF++. @default 0 */
  wordOrder?: number;
  /** Weight of recall against precision. @default 2 */
  beta?: number;
  /** Lowercase both sides first. @default false */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams. @default false */
  whitespace?: boolean;
  /** Average per-order F-scores with 1e-16 for undefined terms, instead of averaging P and R. @default false */
  epsSmoothing?: boolean;
}

export interface ChrfResult {
  /** chrF on 0..100. */
  score: number;
  /** Summed statistics per order (char orders, then word orders): hypothesis n-grams, reference n-grams, matches. */
  statistics: { hyp: number; ref: number; match: number }[];
}

const EPS = 1e-16;
/** Python's string.punctuation, which chrF++ splits off the start or end of words. */
const PUNCTUATION = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

/** Corpus chrF of `hypotheses` against one reference each, with sacreBLEU's defaults (chrF2, 6 char orders). */
export function corpusChrf(hypotheses: readonly string[], references: readonly string[], opts: ChrfOptions = {}): ChrfResult {
  checkCorpus("corpusChrf", hypotheses, references);
  const charOrder = checkOrder("charOrder", opts.charOrder ?? 6);
  const wordOrder = checkOrder("wordOrder", opts.wordOrder ?? 0);
  const beta = opts.beta ?? 2;
  if (!Number.isFinite(beta) || beta < 0) throw new OptionError(`corpusChrf: beta must be a finite number ≥ 0, got ${beta}`);
  if (charOrder + wordOrder === 0) throw new OptionError("corpusChrf: charOrder and wordOrder are both 0 (expected at least one order)");

  const stats = Array.from({ length: charOrder + wordOrder }, () => ({ hyp: 0, ref: 0, match: 0 }));
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = opts.lowercase ? hypotheses[i].toLowerCase() : hypotheses[i];
    const ref = opts.lowercase ? references[i].toLowerCase() : references[i];
    const hypChars = codePoints(opts.whitespace ? hyp : removeWhitespace(hyp));
    const refChars = codePoints(opts.whitespace ? ref : removeWhitespace(ref));
    for (let n = 1; n <= charOrder; n++) {
      addMatchStatistics(stats[n - 1], countNgrams(hypChars, n, ""), countNgrams(refChars, n, ""));
    }
    if (wordOrder > 0) {
      const hypWords = splitPunctuation(hyp);
      const refWords = splitPunctuation(ref);
      for (let n = 1; n <= wordOrder; n++) {
        addMatchStatistics(stats[charOrder + n - 1], countNgrams(hypWords, n, " "), countNgrams(refWords, n, " "));
      }
    }
  }
  return { score: fScore(stats, beta, opts.epsSmoothing ?? false), statistics: stats };
}

/** sacreBLEU's `_compute_f_score`. */
function fScore(stats: { hyp: number; ref: number; match: number }[], beta: number, epsSmoothing: boolean): number {
  const factor = beta * beta;
  let epsScore = 0;
  let avgPrec = 0;
  let avgRec = 0;
  let effectiveOrder = 0;
  for (const { hyp, ref, match } of stats) {
    const prec = hyp > 0 ? match / hyp : EPS;
    const rec = ref > 0 ? match / ref : EPS;
    const denom = factor * prec + rec;
    epsScore += denom > 0 ? ((1 + factor) * prec * rec) / denom : EPS;
    if (hyp > 0 && ref > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (epsSmoothing) return (100 * epsScore) / stats.length;
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * (1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec);
}

/** Adds one segment's counts; as sacreBLEU, hypothesis n-grams count only where the reference has n-grams of that order. */
function addMatchStatistics(
  into: { hyp: number; ref: number; match: number }, hyp: Map<string, number>, ref: Map<string, number>,
): void {
  let hypCount = 0;
  let match = 0;
  for (const [gram, c] of hyp) {
    hypCount += c;
    match += Math.min(c, ref.get(gram) ?? 0);
  }
  let refCount = 0;
  for (const c of ref.values()) refCount += c;
  into.hyp += ref.size > 0 ? hypCount : 0;
  into.ref += refCount;
  into.match += match;
}

/**
 * The characters of `s` as Python indexes them (code points): the string itself when it has no surrogate pair
 * (then its UTF-16 units are its code points, and slicing it is fastest), else an array of code points.
 */
function codePoints(s: string): string | string[] {
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s) : s;
}

/** Counts of the n-grams of `units` (characters or words), keyed by joining them with `sep`. */
function countNgrams(units: string | readonly string[], n: number, sep: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= units.length; i++) {
    const key = typeof units === "string" ? units.slice(i, i + n) : units.slice(i, i + n).join(sep);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * chrF++'s word split: whitespace words, with one punctuation mark split off the end of a word, or else off its
 * start ("(hi)" → "(hi", ")"), words of one character kept whole.
 */
function splitPunctuation(sentence: string): string[] {
  const out: string[] = [];
  for (const word of splitWhitespace(sentence)) {
    const chars = Array.from(word);
    if (chars.length === 1) out.push(word);
    else if (PUNCTUATION.has(chars[chars.length - 1])) out.push(chars.slice(0, -1).join(""), chars[chars.length - 1]);
    else if (PUNCTUATION.has(chars[0])) out.push(chars[0], chars.slice(1).join(""));
    else out.push(word);
  }
  return out;
}

function checkOrder(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new OptionError(`corpusChrf: ${name} must be an integer ≥ 0, got ${value}`);
  return value;
}
