/**
 * keep[i] = 1 where uniform() ≥ p for n successive draws of xoshiro128** from `state` (advanced in place), else 0:
 * u/2³² ≥ p exactly when u ≥ p·2³², both sides exact in doubles. The generator's state lives in locals for speed.
 * Returns how many were kept.
 */
export function keepMask(keep: Uint8Array, n: number, p: number, state: Uint32Array): number {
  const threshold = p * 4294967296;
  let s0 = state[0] | 0, s1 = state[1] | 0, s2 = state[2] | 0, s3 = state[3] | 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
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
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
  return kept;
}

export function maskScale(x: Float32Array, keep: Uint8Array, scale: number, out: Float32Array, n: number): void {
  // keep[i] ∈ {0, 1} as a factor rather than a branch: the mask is random, a branch would be mispredicted
  for (let i = 0; i < n; i++) out[i] = x[i] * scale * keep[i];
}

export function dropout(x: Float32Array, out: Float32Array, keep: Uint8Array, n: number, p: number, state: Uint32Array): void {
  keepMask(keep, n, p, state);
  maskScale(x, keep, 1 / (1 - p), out, n);
}
