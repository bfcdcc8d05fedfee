/**
 * The project's one seeded pseudo-random generator, so that initialisation, dropout, sampling and batch order
 * repeat exactly for a seed, in Node and in browsers alike. Its state can be saved and restored for resume.
 *
 * Two algorithms, because saved runs depend on both streams: xoshiro128** (seeded through splitmix32) for
 * initialisation, dropout and sampling, and mulberry32 for the order of batches, which a resumed run rebuilds
 * from its seed and must find as it was. Changing either would change every run made since.
 */
import { OptionError } from "../errors.js";

export type RngAlgorithm = "xoshiro128**" | "mulberry32";

const STATE_WORDS: Record<RngAlgorithm, number> = { "xoshiro128**": 4, mulberry32: 1 };

export class Rng {
  /** 4 words (xoshiro128**) or 1 (mulberry32). */
  private s: Uint32Array;

  /** `seed`: any safe integer; only its low 32 bits are used. */
  constructor(seed: number, readonly algorithm: RngAlgorithm = "xoshiro128**") {
    if (!Number.isSafeInteger(seed)) throw new OptionError(`seed must be an integer, got ${seed}`);
    this.s = algorithm === "mulberry32" ? Uint32Array.of(seed >>> 0) : splitmix32(seed >>> 0);
  }

  /** Next 32 random bits, uniform over 0..2^32−1. */
  nextUint32(): number {
    return this.algorithm === "mulberry32" ? mulberry32(this.s) : xoshiro128ss(this.s);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n) (n ≤ 2^32). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Two fresh 32-bit words: the key of one dropout mask (Backend.dropout). */
  dropoutKey(): Uint32Array {
    return Uint32Array.of(this.nextUint32(), this.nextUint32());
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    const words = STATE_WORDS[this.algorithm];
    if (state.length !== words) throw new Error(`Rng state: ${this.algorithm} keeps ${words} ${words === 1 ? "word" : "words"}, found ${state.length}`);
    this.s = Uint32Array.from(state);
  }
}

/** xoshiro128**'s four words of state from one seed. */
function splitmix32(seed: number): Uint32Array {
  const s = new Uint32Array(4);
  let x = seed;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    s[i] = (z ^ (z >>> 16)) >>> 0;
  }
  if (s.every((v) => v === 0)) s[0] = 1;
  return s;
}

function xoshiro128ss(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

/** A 32-bit state advanced by a Weyl sequence, then mixed. */
function mulberry32(s: Uint32Array): number {
  s[0] = (s[0] + 0x6d2b79f5) >>> 0;
  let t = s[0];
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
