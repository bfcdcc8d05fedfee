/**
 * Strided copies as the tensor layer makes them (heads split and merged, narrow, concat, a KV-cache append, a
 * broadcast), and the contract's own loop to check them by. No Node import: the WebGPU cases in Chromium use it.
 */
import type { CopyStridedArgs } from "../../src/backend/backend.js";

/** A naive strided copy: every index of `sizes` in row-major order, as the contract states it. */
export function naiveCopy(a: CopyStridedArgs): void {
  const total = a.sizes.reduce((p, s) => p * s, 1);
  for (let e = 0; e < total; e++) {
    let rest = e, s = a.srcOffset, d = a.dstOffset;
    for (let k = a.sizes.length - 1; k >= 0; k--) {
      const i = rest % a.sizes[k];
      rest = Math.floor(rest / a.sizes[k]);
      s += i * a.srcStrides[k];
      d += i * a.dstStrides[k];
    }
    a.dst[d] = a.src[s];
  }
}

/** Row-major strides of a shape. */
export const contiguous = (shape: number[]): number[] => shape.map((_, k) => shape.slice(k + 1).reduce((p, s) => p * s, 1));

/** The strided copies of the tensor layer, as (src length, dst length, args without arrays). */
export function copyCases(): Array<{ what: string; srcLen: number; dstLen: number; args: Omit<CopyStridedArgs, "src" | "dst"> }> {
  const [B, T, h, dK] = [2, 5, 3, 7];
  const cap = 9, t = 4, d = 12;
  return [
    // (B, T, h, dK) → (B, h, T, dK): splitting heads
    { what: "4-D transpose (B, T, h, dK) → (B, h, T, dK)", srcLen: B * T * h * dK, dstLen: B * T * h * dK, args: {
      srcOffset: 0, dstOffset: 0, sizes: [B, h, T, dK], srcStrides: [T * h * dK, dK, h * dK, 1], dstStrides: contiguous([B, h, T, dK]) } },
    // heads of 8: every row starts at a multiple of 4 (the GPU moves four elements a thread)
    { what: "4-D transpose (B, T, h, 8) → (B, h, T, 8)", srcLen: B * T * h * 8, dstLen: B * T * h * 8, args: {
      srcOffset: 0, dstOffset: 0, sizes: [B, h, T, 8], srcStrides: [T * h * 8, 8, h * 8, 1], dstStrides: contiguous([B, h, T, 8]) } },
    // (B, h, T, dK) → (B, T, dK, h): the last dimension strided on both sides
    { what: "4-D transpose moving the last dimension", srcLen: B * h * T * dK, dstLen: B * h * T * dK, args: {
      srcOffset: 0, dstOffset: 0, sizes: [B, T, dK, h], srcStrides: [h * T * dK, dK, 1, T * dK], dstStrides: contiguous([B, T, dK, h]) } },
    // columns 3..10 of a (5, 13) matrix starting at element 2, into a (5, 8) one at 1
    { what: "narrow along the last dimension, odd offsets", srcLen: 2 + 5 * 13, dstLen: 1 + 5 * 8, args: {
      srcOffset: 2 + 3, dstOffset: 1, sizes: [5, 8], srcStrides: [13, 1], dstStrides: [8, 1] } },
    // the second half of a concatenation along dim 1: (2, 3, 4) into (2, 7, 4) at [:, 4:7, :]
    { what: "concat's second part (2, 3, 4) into (2, 7, 4)", srcLen: 24, dstLen: 56, args: {
      srcOffset: 0, dstOffset: 16, sizes: [2, 3, 4], srcStrides: [12, 4, 1], dstStrides: [28, 4, 1] } },
    // one decoding step's keys (B, 1, d) appended at position t of a (B, cap, d) cache
    { what: "KV-cache append (B, 1, d) at position t", srcLen: B * d, dstLen: B * cap * d, args: {
      srcOffset: 0, dstOffset: t * d, sizes: [B, 1, d], srcStrides: [d, d, 1], dstStrides: [cap * d, d, 1] } },
    // a bias row broadcast over 3 rows (source stride 0), 1-D and 3-D with a size-1 dimension
    { what: "broadcast read (source stride 0)", srcLen: 5, dstLen: 15, args: {
      srcOffset: 0, dstOffset: 0, sizes: [3, 5], srcStrides: [0, 1], dstStrides: [5, 1] } },
    { what: "1-D strided gather", srcLen: 30, dstLen: 10, args: { srcOffset: 1, dstOffset: 0, sizes: [10], srcStrides: [3], dstStrides: [1] } },
    { what: "empty (a size 0)", srcLen: 0, dstLen: 0, args: { srcOffset: 0, dstOffset: 0, sizes: [3, 0], srcStrides: [1, 1], dstStrides: [1, 1] } },
  ];
}
