/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) so that initialisation, dropout and sampling
 * repeat exactly for a seed, in Node and in browsers alike. Its state can be saved and restored for resume.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** Next 32 random bits. */
  nextUint32(): number {
    const s = this.s;
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

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * keep[i] = 1 where uniform() ≥ p, else 0, for every i: the same draws, in the same order, as calling uniform()
   * keep.length times (u/2³² ≥ p exactly when u ≥ p·2³², both sides exact in doubles), with the generator's
   * state in locals. Returns how many were kept.
   */
  fillKeepMask(keep: Uint8Array, p: number): number {
    const threshold = p * 4294967296;
    const st = this.s;
    let s0 = st[0] | 0, s1 = st[1] | 0, s2 = st[2] | 0, s3 = st[3] | 0;
    let kept = 0;
    for (let i = 0; i < keep.length; i++) {
      const r = Math.imul(s1, 5);
      const u = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const k = u >= threshold ? 1 : 0;
      keep[i] = k;
      kept += k;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    return kept;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4) throw new Error(`Rng state must have 4 words, found ${state.length}`);
    this.s = Uint32Array.from(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
