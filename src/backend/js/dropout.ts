/**
 * Dropout masks from a counter-based generator: element i of a call is kept when hash(key, i) / 2³² ≥ p, with
 * `key` two 32-bit words the caller draws from its Rng (so the Rng advances by two draws per call, whatever n).
 * Unlike a sequential generator, any element can be computed on its own: a native backend fills the mask eight
 * lanes at a time and over threads, and every backend gets the same bits. The hash is two rounds of Wellons'
 * lowbias32 (a 32-bit integer mixer with low bias), the second keyed again.
 */
export function dropoutHash(k0: number, k1: number, i: number): number {
  let x = (i + k0) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  x ^= x >>> 16;
  x ^= k1;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** keep[i] = 1 where hash(key, i) ≥ p·2³² (both sides exact in doubles), else 0; returns how many were kept. */
export function keepMask(keep: Uint8Array, n: number, p: number, key: Uint32Array): number {
  const threshold = p * 4294967296;
  const k0 = key[0] | 0, k1 = key[1] | 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const k = dropoutHash(k0, k1, i) >= threshold ? 1 : 0;
    keep[i] = k;
    kept += k;
  }
  return kept;
}

export function maskScale(x: Float32Array, keep: Uint8Array, scale: number, out: Float32Array, n: number): void {
  // keep[i] ∈ {0, 1} as a factor rather than a branch: the mask is random, a branch would be mispredicted
  for (let i = 0; i < n; i++) out[i] = x[i] * scale * keep[i];
}

export function dropout(x: Float32Array, out: Float32Array, keep: Uint8Array, n: number, p: number, key: Uint32Array): void {
  keepMask(keep, n, p, key);
  maskScale(x, keep, 1 / (1 - p), out, n);
}
