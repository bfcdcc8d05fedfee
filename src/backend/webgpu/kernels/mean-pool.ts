import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";

/**
 * maskedMeanPool and its backward: one thread per (sequence b, column j), walking the positions t in order, so that
 * the forward's float32 sum is the reference's (f32 addition is correctly rounded in WGSL) and only the division
 * differs (WGSL's f32 division: 2.5 ulp). keyPad is a byte mask packed four to a word (dropout.ts's layout);
 * without one, `pad` is bound to any tensor and never read. Neighbouring threads read neighbouring columns.
 */

const PADDED = /* wgsl */ `
fn padded(k: u32) -> bool {
  return P.hasPad != 0u && ((pad_u(k >> 2u) >> (8u * (k & 3u))) & 0xffu) != 0u;
}`;

const PARAMS: KernelSpec["params"] = [["batch", "u32"], ["T", "u32"], ["d", "u32"], ["hasPad", "u32"]];

/** Both kernels' thread: element e of the (batch, d) side, sequence b, column j. */
const THREAD = /* wgsl */ `
  let e = wg * 256u + li;
  if (e >= P.batch * P.d) { return; }
  let b = e / P.d;
  let j = e % P.d;`;

export const MEAN_POOL: KernelSpec = {
  name: "maskedMeanPool",
  buffers: [{ name: "x" }, { name: "pad" }, { name: "out", write: true }],
  params: PARAMS,
  workgroupSize: [256],
  decls: PADDED,
  main: THREAD + /* wgsl */ `
  var s = 0.0;
  var c = 0u;
  for (var t = 0u; t < P.T; t++) {
    if (padded(b * P.T + t)) { continue; }
    s += x_f((b * P.T + t) * P.d + j);
    c++;
  }
  out_setf(e, select(0.0, s / f32(c), c > 0u));`,
};

export const MEAN_POOL_BACKWARD: KernelSpec = {
  name: "maskedMeanPoolBackward",
  buffers: [{ name: "dOut" }, { name: "pad" }, { name: "dx", write: true }],
  params: PARAMS,
  workgroupSize: [256],
  decls: PADDED,
  main: THREAD + /* wgsl */ `
  var c = 0u;
  for (var t = 0u; t < P.T; t++) { if (!padded(b * P.T + t)) { c++; } }
  if (c == 0u) { return; }
  let g = dOut_f(e) * (1.0 / f32(c));
  for (var t = 0u; t < P.T; t++) {
    if (padded(b * P.T + t)) { continue; }
    let at = (b * P.T + t) * P.d + j;
    dx_setf(at, dx_f(at) + g);
  }`,
};

/** Backend.maskedMeanPool: x (batch, T, d) → out (batch, d); keyPad a packed byte tensor or null. */
export function encodeMaskedMeanPool(rt: GpuRuntime, x: GpuTensor, keyPad: GpuTensor | null, out: GpuTensor, batch: number, T: number, d: number): void {
  rt.dispatch(MEAN_POOL, { x, pad: keyPad ?? x, out }, { batch, T, d, hasPad: keyPad ? 1 : 0 }, grid2d(Math.ceil((batch * d) / 256)));
}

/** Backend.maskedMeanPoolBackward: dx (batch, T, d) += dOut (batch, d) / count at the positions not padded. */
export function encodeMaskedMeanPoolBackward(rt: GpuRuntime, dOut: GpuTensor, keyPad: GpuTensor | null, dx: GpuTensor, batch: number, T: number, d: number): void {
  rt.dispatch(MEAN_POOL_BACKWARD, { dOut, pad: keyPad ?? dOut, dx }, { batch, T, d, hasPad: keyPad ? 1 : 0 }, grid2d(Math.ceil((batch * d) / 256)));
}
