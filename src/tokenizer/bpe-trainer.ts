/**
 * Byte-level BPE training over a word-count table (Sennrich et al. 2016, on bytes as in GPT-2).
 *
 * Each distinct pre-tokenized word is kept once, with its count, as a list of token ids. Pair counts are kept
 * incrementally: a merge only revisits the words that contain its pair (an index from pair to words) and
 * adjusts the counts of the pairs in those words. The most frequent pair comes from a max-heap with lazy
 * deletion: an entry whose count is out of date is re-queued with its true count when it reaches the top.
 *
 * Ties are broken deterministically: among pairs with the same count, the one whose left token has the
 * smaller id wins, then the one whose right token has the smaller id. Ids are deterministic too (specials,
 * then bytes in byte order, then merges in the order they were made), so the same texts always give the
 * same tokenizer.
 */
import { BinaryHeap } from "./binary-heap.js";
import { BYTE_TO_CHAR, utf8Bytes } from "./byte-level.js";
import { MAX_VOCAB_SIZE, pairKey } from "./merge-table.js";

/** What training reports as it goes: first while counting words, then every few merges. */
export type TrainProgress =
  | { phase: "count"; texts: number; distinctWords: number }
  | { phase: "merge"; vocabSize: number; targetVocabSize: number };

export interface BpeTrainOptions {
  /** The final vocabulary size, specials and the 256 bytes included. */
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged; training may then stop below vocabSize. */
  minFrequency: number;
  onProgress?: (info: TrainProgress) => void;
}

export interface BpeTrainResult {
  /** Token strings by id: the specials, the 256 byte symbols, then one per new merge result. */
  tokens: string[];
  /** Merges as (left id, right id), in the order they were learned (their rank). */
  merges: Array<[number, number]>;
}

interface PairEntry {
  count: number;
  a: number;
  b: number;
}

const comesFirst = (x: PairEntry, y: PairEntry): boolean =>
  x.count !== y.count ? x.count > y.count : x.a !== y.a ? x.a < y.a : x.b < y.b;

const PROGRESS_EVERY = 250; // merges between two progress reports

/**
 * Learn merges from words (pre-tokenized pieces of raw text) and their counts.
 * @param specials token strings given the first ids, before the bytes
 */
export function trainBpe(
  wordCounts: ReadonlyMap<string, number>,
  specials: readonly string[],
  opts: BpeTrainOptions,
): BpeTrainResult {
  const tokens = [...specials, ...BYTE_TO_CHAR];
  const idOf = new Map(tokens.map((t, id) => [t, id]));
  const firstByte = specials.length;
  const target = Math.min(opts.vocabSize, MAX_VOCAB_SIZE);

  const words: number[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push(Array.from(utf8Bytes(word), (b) => firstByte + b));
    counts.push(count);
  }

  // Pair counts over the whole table, and for each pair the words that may contain it (entries can go stale:
  // a word is not removed when it loses the pair, it is just skipped when it no longer has it).
  const pairCount = new Map<number, number>();
  const wordsWith = new Map<number, Set<number>>();
  words.forEach((w, wi) => {
    for (let i = 0; i + 1 < w.length; i++) {
      const k = pairKey(w[i]!, w[i + 1]!);
      pairCount.set(k, (pairCount.get(k) ?? 0) + counts[wi]!);
      let set = wordsWith.get(k);
      if (set === undefined) wordsWith.set(k, (set = new Set()));
      set.add(wi);
    }
  });

  const heap = new BinaryHeap<PairEntry>(comesFirst);
  for (const [k, count] of pairCount) heap.push({ count, a: Math.floor(k / MAX_VOCAB_SIZE), b: k % MAX_VOCAB_SIZE });

  const merges: Array<[number, number]> = [];
  const mergedInto = new Map<number, number>(); // pair key -> the id its merge produces
  let lastReport = tokens.length;

  while (tokens.length < target) {
    const top = heap.pop();
    if (top === undefined) break;
    const { a, b } = top;
    const k = pairKey(a, b);
    const count = pairCount.get(k) ?? 0;
    if (count !== top.count) {
      if (count > 0) heap.push({ count, a, b }); // stale entry: requeue with the true count
      continue;
    }
    if (count < opts.minFrequency) break; // the top is exact, so no other pair qualifies either

    // The merged id. Two different merges can spell the same string ("ab"+"c" and "a"+"bc"): the later one
    // reuses the id, as Hugging Face's trainer does. A pair that was merged before can reappear next to such
    // a reused id: it is applied again to keep the words as encoding would see them, but not listed twice.
    let z = mergedInto.get(k);
    if (z === undefined) {
      const spelled = tokens[a]! + tokens[b]!;
      z = idOf.get(spelled);
      if (z === undefined) {
        z = tokens.length;
        tokens.push(spelled);
        idOf.set(spelled, z);
      }
      merges.push([a, b]);
      mergedInto.set(k, z);
    }

    applyMerge(a, b, z, words, counts, wordsWith.get(k) ?? new Set(), pairCount, wordsWith, heap);
    wordsWith.delete(k);

    if (opts.onProgress && tokens.length - lastReport >= PROGRESS_EVERY) {
      lastReport = tokens.length;
      opts.onProgress({ phase: "merge", vocabSize: tokens.length, targetVocabSize: target });
    }
  }
  opts.onProgress?.({ phase: "merge", vocabSize: tokens.length, targetVocabSize: target });
  return { tokens, merges };
}

/** Replace (a, b) by z, left to right, in every word that has it; update pair counts, index and heap. */
function applyMerge(
  a: number,
  b: number,
  z: number,
  words: number[][],
  counts: readonly number[],
  candidates: ReadonlySet<number>,
  pairCount: Map<number, number>,
  wordsWith: Map<number, Set<number>>,
  heap: BinaryHeap<PairEntry>,
): void {
  const delta = new Map<number, number>();
  const add = (k: number, d: number) => delta.set(k, (delta.get(k) ?? 0) + d);
  for (const wi of [...candidates]) {
    const w = words[wi]!;
    let found = false;
    for (let i = 0; i + 1 < w.length; i++) {
      if (w[i] === a && w[i + 1] === b) {
        found = true;
        break;
      }
    }
    if (!found) continue;
    const c = counts[wi]!;
    const merged: number[] = [];
    for (let i = 0; i < w.length; i++) {
      if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
        merged.push(z);
        i++;
      } else merged.push(w[i]!);
    }
    // Subtract the old word's pairs and add the new word's; pairs away from the merge cancel out.
    for (let i = 0; i + 1 < w.length; i++) add(pairKey(w[i]!, w[i + 1]!), -c);
    for (let i = 0; i + 1 < merged.length; i++) {
      const k = pairKey(merged[i]!, merged[i + 1]!);
      add(k, c);
      if (merged[i] === z || merged[i + 1] === z) {
        let set = wordsWith.get(k);
        if (set === undefined) wordsWith.set(k, (set = new Set()));
        set.add(wi);
      }
    }
    words[wi] = merged;
  }
  for (const [k, d] of delta) {
    if (d === 0) continue;
    const count = (pairCount.get(k) ?? 0) + d;
    if (count > 0) pairCount.set(k, count);
    else pairCount.delete(k);
    // Counts only grow for pairs next to z; those need a fresh heap entry (lower ones are fixed lazily).
    if (d > 0) heap.push({ count, a: Math.floor(k / MAX_VOCAB_SIZE), b: k % MAX_VOCAB_SIZE });
  }
}
