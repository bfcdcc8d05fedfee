import type { AttentionMask } from "../../backend.js";
import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { REDUCE, ROW_THREADS } from "./reduce.js";

/**
 * softmax, maskedSoftmax (key padding, causal with a query offset; fully masked rows give zeros) and
 * softmaxBackward: one workgroup a row. keyPad is a byte mask packed four to a word (dropout.ts's layout).
 */

export const SOFTMAX: KernelSpec = {
  name: "maskedSoftmax",
  buffers: [{ name: "x" }, { name: "out", write: true }, { name: "pad" }],
  params: [["rows", "u32"], ["cols", "u32"], ["scale", "f32"], ["hasPad", "u32"], ["causal", "u32"],
    ["heads", "u32"], ["queries", "u32"], ["qoff", "u32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE + /* wgsl */ `
fn allowed(b: u32, t: u32, s: u32) -> bool {
  if (P.hasPad != 0u) {
    let k = b * P.cols + s;
    if (((pad_u(k >> 2u) >> (8u * (k & 3u))) & 0xffu) != 0u) { return false; }
  }
  return !(P.causal != 0u && s > t + P.qoff);
}`,
  main: /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  let b = r / (P.heads * P.queries);
  let t = r % P.queries;
  var m = -3.402823e38;
  var any = false;
  for (var j = li; j < P.cols; j += T) {
    if (allowed(b, t, j)) { m = max(m, P.scale * x_f(off + j)); any = true; }
  }
  m = reduce_max(li, select(-3.402823e38, m, any));
  let anyRow = reduce_sum(li, select(0.0, 1.0, any)) > 0.0;
  var s = 0.0;
  for (var j = li; j < P.cols; j += T) {
    var e = 0.0;
    if (anyRow && allowed(b, t, j)) { e = exp(P.scale * x_f(off + j) - m); }
    out_setf(off + j, e);
    s += e;
  }
  s = reduce_sum(li, s);
  let inv = select(0.0, 1.0 / s, anyRow && s > 0.0);
  for (var j = li; j < P.cols; j += T) { out_setf(off + j, out_f(off + j) * inv); }`,
};

export const SOFTMAX_BACKWARD: KernelSpec = {
  name: "softmaxBackward",
  buffers: [{ name: "y" }, { name: "dy" }, { name: "dx", write: true }],
  params: [["rows", "u32"], ["cols", "u32"], ["scale", "f32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE,
  main: /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  var d = 0.0;
  for (var j = li; j < P.cols; j += T) { d += dy_f(off + j) * y_f(off + j); }
  d = reduce_sum(li, d);
  for (var j = li; j < P.cols; j += T) { dx_setf(off + j, P.scale * y_f(off + j) * (dy_f(off + j) - d)); }`,
};

/** Backend.softmax; out may be x. */
export function encodeSoftmax(rt: GpuRuntime, x: GpuTensor, out: GpuTensor, rows: number, cols: number, scale: number): void {
  rt.dispatch(SOFTMAX, { x, out, pad: x }, { rows, cols, scale, hasPad: 0, causal: 0, heads: 1, queries: 1, qoff: 0 }, grid2d(rows));
}

/** Backend.maskedSoftmax with the mask's keyPad as a packed byte tensor (or null); out may be scores. */
export function encodeMaskedSoftmax(
  rt: GpuRuntime, scores: GpuTensor, out: GpuTensor, mask: Omit<AttentionMask, "keyPad">, keyPad: GpuTensor | null, scale: number,
): void {
  const rows = mask.batch * mask.heads * mask.queries;
  rt.dispatch(SOFTMAX, { x: scores, out, pad: keyPad ?? scores }, {
    rows, cols: mask.keys, scale, hasPad: keyPad ? 1 : 0, causal: mask.causal ? 1 : 0,
    heads: mask.heads, queries: Math.max(mask.queries, 1), qoff: mask.queryOffset ?? 0,
  }, grid2d(rows));
}

/** Backend.softmaxBackward; dx may be dy. */
export function encodeSoftmaxBackward(
  rt: GpuRuntime, y: GpuTensor, dy: GpuTensor, dx: GpuTensor, rows: number, cols: number, scale: number,
): void {
  rt.dispatch(SOFTMAX_BACKWARD, { y, dy, dx }, { rows, cols, scale }, grid2d(rows));
}
