/**
 * A small seeded pseudo-random generator (mulberry32: a 32-bit state advanced by a Weyl sequence, then mixed),
 * so that shuffles are the same on every run, machine and JavaScript engine for a given seed.
 */
import { OptionError } from "../errors.js";

export class Rng {
  private state: number;

  /** `seed`: any safe integer; only its low 32 bits are used. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new OptionError(`seed must be an integer, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** The next value, uniform over 0..2^32−1. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** The next value, uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in 0..n−1 (n ≤ 2^32). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}
