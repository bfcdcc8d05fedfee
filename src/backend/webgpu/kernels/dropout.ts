import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { EXACT_SCALE } from "./wgsl-math.js";

/**
 * Dropout and its backward (maskScale). Masks are bytes, packed four to a 32-bit word as a Uint8Array's bytes
 * (element i in byte i % 4 of word i / 4), so a mask tensor of n elements has ceil(n / 4) words and uploads from,
 * or reads back into, a Uint8Array unchanged. Each thread does one word: four elements.
 */

// src/backend/js/dropout.ts's dropoutHash: two rounds of lowbias32, the second keyed again; u32 arithmetic wraps
// as Math.imul and `| 0` do
const HASH = /* wgsl */ `
fn lowbias32(x0: u32) -> u32 {
  var x = x0;
  x = (x ^ (x >> 16u)) * 0x7feb352du;
  x = (x ^ (x >> 15u)) * 0x846ca68bu;
  return x ^ (x >> 16u);
}
fn dropout_hash(k0: u32, k1: u32, i: u32) -> u32 {
  return lowbias32(lowbias32(i + k0) ^ k1);
}`;

const MASK_SCALE_BODY = `
  let w = wg * 256u + li;
  let first = w * 4u;
  if (first >= P.n) { return; }
  let word = keep_u(w);
  for (var e = 0u; e < 4u; e++) {
    let i = first + e;
    if (i >= P.n) { break; }
    let k = f32((word >> (8u * e)) & 0xffu);
    out_setf(i, scale_exact(x_f(i), P.sh, P.sl) * k);
  }`;

export const DROPOUT: KernelSpec = {
  name: "dropout",
  buffers: [{ name: "x" }, { name: "out", write: true }, { name: "keep", write: true }],
  params: [["n", "u32"], ["k0", "u32"], ["k1", "u32"], ["threshold", "u32"], ["none", "u32"], ["sh", "f32"], ["sl", "f32"]],
  workgroupSize: [256],
  decls: HASH + EXACT_SCALE,
  main: `
  let w = wg * 256u + li;
  let first = w * 4u;
  if (first >= P.n) { return; }
  var word = 0u;
  for (var e = 0u; e < 4u; e++) {
    let i = first + e;
    if (i >= P.n) { break; }
    let kept = P.none == 0u && dropout_hash(P.k0, P.k1, i) >= P.threshold;
    word |= select(0u, 1u, kept) << (8u * e);
    out_setf(i, scale_exact(x_f(i), P.sh, P.sl) * select(0.0, 1.0, kept));
  }
  keep_setu(w, word);`,
};

export const MASK_SCALE: KernelSpec = {
  name: "maskScale",
  buffers: [{ name: "x" }, { name: "keep" }, { name: "out", write: true }],
  params: [["n", "u32"], ["sh", "f32"], ["sl", "f32"]],
  workgroupSize: [256],
  decls: EXACT_SCALE,
  main: MASK_SCALE_BODY,
};

/** A float64 s as two floats whose sum is s to 2^-48. */
export function splitScale(s: number): { sh: number; sl: number } {
  const sh = Math.fround(s);
  return { sh, sl: Math.fround(s - sh) };
}

/** Backend.dropout: keep (ceil(n/4) words of bytes) from the key's hash, out = x · 1/(1−p) · keep. */
export function encodeDropout(
  rt: GpuRuntime, x: GpuTensor, out: GpuTensor, keep: GpuTensor, n: number, p: number, key: Uint32Array,
): void {
  // hash ≥ p·2³² (a float64 product, exact) holds for an integer hash exactly when hash ≥ ceil(p·2³²)
  const t = Math.ceil(p * 4294967296);
  const threshold = Math.min(Math.max(t, 0), 0xffffffff);
  rt.dispatch(DROPOUT, { x, out, keep }, {
    n, k0: key[0] >>> 0, k1: key[1] >>> 0, threshold, none: t > 0xffffffff ? 1 : 0, ...splitScale(1 / (1 - p)),
  }, grid2d(Math.ceil(n / 1024)));
}

/** Backend.maskScale: out = x · scale · keep; out may be x. */
export function encodeMaskScale(rt: GpuRuntime, x: GpuTensor, keep: GpuTensor, scale: number, out: GpuTensor, n: number): void {
  rt.dispatch(MASK_SCALE, { x, keep, out }, { n, ...splitScale(scale) }, grid2d(Math.ceil(n / 1024)));
}

