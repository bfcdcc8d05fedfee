/**
 * The free blocks of the resident region (arena.ts): byte ranges kept sorted and coalesced, taken first-fit.
 * Resident blocks are parameters, a few hundred a model, allocated together and freed together, so a sorted array
 * searched linearly is plenty; an npm allocator would bring its own memory, not manage ours.
 */
export class FreeList {
  /** [start, end) pairs, sorted by start, never touching (adjacent blocks are merged). */
  private readonly blocks: Array<[number, number]> = [];

  /** The start of a free block of `size` bytes taken from the first one that fits, or null. */
  take(size: number): number | null {
    for (let i = 0; i < this.blocks.length; i++) {
      const [start, end] = this.blocks[i];
      if (end - start < size) continue;
      if (end - start === size) this.blocks.splice(i, 1);
      else this.blocks[i][0] = start + size;
      return start;
    }
    return null;
  }

  /** Frees [at, at + size), merging it with its neighbours. */
  give(at: number, size: number): void {
    const end = at + size;
    let i = 0;
    while (i < this.blocks.length && this.blocks[i][0] < at) i++;
    const prev = this.blocks[i - 1];
    const next = this.blocks[i];
    if ((prev && prev[1] > at) || (next && next[0] < end)) {
      throw new Error(`wasm backend: resident block [${at}, ${end}) freed twice or overlapping a free block`);
    }
    if (prev && prev[1] === at && next && next[0] === end) {
      prev[1] = next[1];
      this.blocks.splice(i, 1);
    } else if (prev && prev[1] === at) prev[1] = end;
    else if (next && next[0] === end) next[0] = at;
    else this.blocks.splice(i, 0, [at, end]);
  }

  /** Removes the free block that ends at `end`, if the last one does, and returns its start; else null. */
  takeEndingAt(end: number): number | null {
    const last = this.blocks.at(-1);
    if (!last || last[1] !== end) return null;
    this.blocks.pop();
    return last[0];
  }

  /** Free bytes in all. */
  get bytes(): number {
    return this.blocks.reduce((s, [a, b]) => s + b - a, 0);
  }
}
