import type { CopyStridedArgs } from "../backend.js";
import { checkCopyDisjoint, copyStridedSpans } from "../kernel-args.js";

/**
 * The shortest contiguous run copied with one TypedArray.set: a subarray and a set cost as much as about 64
 * elements copied one by one (measured in Node 20: rows of 2 floats copy 12× faster by the loop, of 64 alike).
 */
const BLOCK_MIN = 64;

/** Backend.copyStrided: the sizes padded to 4 dimensions with leading 1s, then four nested loops. */
export function copyStrided(a: CopyStridedArgs): void {
  const { src, dst } = a;
  const spans = copyStridedSpans(a, src.length, dst.length);
  if (spans === null) return;
  if (src.buffer === dst.buffer) checkCopyDisjoint(spans, src.byteOffset / 4, dst.byteOffset / 4);
  const pad = 4 - a.sizes.length;
  const size = (k: number): number => (k < pad ? 1 : a.sizes[k - pad]);
  const ss = (k: number): number => (k < pad ? 0 : a.srcStrides[k - pad]);
  const ds = (k: number): number => (k < pad ? 0 : a.dstStrides[k - pad]);
  const [n0, n1, n2, n3] = [size(0), size(1), size(2), size(3)];
  const [s0, s1, s2, s3] = [ss(0), ss(1), ss(2), ss(3)];
  const [d0, d1, d2, d3] = [ds(0), ds(1), ds(2), ds(3)];
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        let s = a.srcOffset + i0 * s0 + i1 * s1 + i2 * s2;
        let d = a.dstOffset + i0 * d0 + i1 * d1 + i2 * d2;
        if (s3 === 1 && d3 === 1 && n3 >= BLOCK_MIN) {
          dst.set(src.subarray(s, s + n3), d); // a long contiguous last dimension: one block copy
          continue;
        }
        for (let i3 = 0; i3 < n3; i3++, s += s3, d += d3) dst[d] = src[s];
      }
    }
  }
}
