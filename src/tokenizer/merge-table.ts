/**
 * The learned merges of a BPE model and their application to one word, with Hugging Face's semantics:
 * repeatedly merge the adjacent pair whose merge has the lowest rank, the leftmost one when a pair occurs
 * several times, one occurrence at a time (tokenizers/src/models/bpe/word.rs does the same with a heap of
 * (rank, position)). Merging all occurrences of the best pair at once is NOT the same when a vocab string can
 * be reached by two merges, so we keep the one-at-a-time order.
 */
/** Ids are packed two to a number as a * 2^21 + b, so ids must stay below 2^21 (about two million). */
export const MAX_VOCAB_SIZE = 2 ** 21;

export function pairKey(a: number, b: number): number {
  return a * MAX_VOCAB_SIZE + b;
}

const POS_RANGE = 2 ** 32; // heap entries are rank * 2^32 + position: ordered by rank, then position

export class MergeTable {
  private readonly rankOf = new Map<number, number>();
  private readonly resultOfRank: Int32Array;

  /**
   * @param pairs the merges in rank order, as (left id, right id)
   * @param results the id each merge produces (the vocab id of the two tokens' concatenation)
   */
  constructor(pairs: ReadonlyArray<readonly [number, number]>, results: ReadonlyArray<number>) {
    this.resultOfRank = Int32Array.from(results);
    // A pair listed twice keeps its last rank, as Hugging Face's loaders do (they collect into a hash map).
    pairs.forEach(([a, b], rank) => this.rankOf.set(pairKey(a, b), rank));
  }

  get size(): number {
    return this.resultOfRank.length;
  }

  /** The rank of merging (a, b), or undefined if the model never merges them. */
  rank(a: number, b: number): number | undefined {
    return this.rankOf.get(pairKey(a, b));
  }

  /** Apply the merges to a word given as its byte-symbol ids; returns the token ids. */
  apply(symbols: ArrayLike<number>): number[] {
    const n = symbols.length;
    if (n < 2) return Array.from(symbols);
    const sym = Int32Array.from(symbols); // sym[i] = -1 once symbol i has been merged into its left neighbour
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    const heap = new MinHeap(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
      if (i + 1 < n) this.pushPair(heap, sym[i]!, sym[i + 1]!, i);
    }
    while (heap.size > 0) {
      const e = heap.pop();
      const rank = Math.floor(e / POS_RANGE);
      const pos = e - rank * POS_RANGE;
      const right = next[pos]!;
      if (sym[pos] === -1 || right === -1) continue;
      // A stale entry: the pair at pos changed since it was queued. Like word.rs, compare what it would produce.
      const current = this.rankOf.get(pairKey(sym[pos]!, sym[right]!));
      const result = this.resultOfRank[rank]!;
      if (current === undefined || this.resultOfRank[current] !== result) continue;
      sym[pos] = result;
      sym[right] = -1;
      const after = next[right]!;
      next[pos] = after;
      if (after !== -1) prev[after] = pos;
      if (prev[pos] !== -1) this.pushPair(heap, sym[prev[pos]!]!, result, prev[pos]!);
      if (after !== -1) this.pushPair(heap, result, sym[after]!, pos);
    }
    const out: number[] = [];
    for (let i = 0; i !== -1; i = next[i]!) out.push(sym[i]!);
    return out;
  }

  private pushPair(heap: MinHeap, a: number, b: number, pos: number): void {
    const rank = this.rankOf.get(pairKey(a, b));
    if (rank !== undefined) heap.push(rank * POS_RANGE + pos);
  }
}

/**
 * A min-heap of numbers in a Float64Array: the per-word queue of (rank, position), kept apart from the generic
 * BinaryHeap because this one runs for every new word encoded (about 3x faster without the comparator calls).
 */
class MinHeap {
  private items: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Float64Array(Math.max(capacity, 4));
  }

  push(x: number): void {
    if (this.size === this.items.length) {
      const grown = new Float64Array(2 * this.size);
      grown.set(this.items);
      this.items = grown;
    }
    const a = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= x) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = x;
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a[--this.size]!;
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const child = l + 1 < n && a[l + 1]! < a[l]! ? l + 1 : l;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}
