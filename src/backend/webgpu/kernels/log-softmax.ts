import { checkCount } from "../../kernel-args.js";
import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { REDUCE, ROW_THREADS } from "./reduce.js";

/**
 * logSoftmax: one workgroup a row — its max, Σ exp(x − max) in float32 (REDUCE's fixed tree), lse = max + log Σ,
 * out = x − lse. WGSL's exp and log are not correctly rounded, so this is near the reference, not its bits
 * (test/backend/webgpu-cases.ts states the tolerance and what it measured). Entries of −∞ (masked tokens) are
 * recognised by their bits, counted as exp 0 and written back as −∞, since WGSL lets a compiler assume there are
 * no infinities; rows holding NaN or +∞, or only −∞, are unspecified here (the reference gives NaN).
 */
export const LOG_SOFTMAX: KernelSpec = {
  name: "logSoftmax",
  buffers: [{ name: "x" }, { name: "out", write: true }],
  params: [["rows", "u32"], ["cols", "u32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE + /* wgsl */ `
const NEG_INF: u32 = 0xff800000u;`,
  main: /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  var m = -3.402823e38;
  for (var j = li; j < P.cols; j += T) {
    if (x_u(off + j) != NEG_INF) { m = max(m, x_f(off + j)); }
  }
  m = reduce_max(li, m);
  var s = 0.0;
  for (var j = li; j < P.cols; j += T) {
    if (x_u(off + j) != NEG_INF) { s += exp(x_f(off + j) - m); }
  }
  s = reduce_sum(li, s);
  let lse = m + log(s);
  // each thread reads only the elements it writes, so out may be x
  for (var j = li; j < P.cols; j += T) {
    let b = x_u(off + j);
    if (b == NEG_INF) { out_setu(off + j, NEG_INF); } else { out_setf(off + j, x_f(off + j) - lse); }
  }`,
};

/** Backend.logSoftmax over (rows, cols); out may be x. */
export function encodeLogSoftmax(rt: GpuRuntime, x: GpuTensor, out: GpuTensor, rows: number, cols: number): void {
  checkCount("logSoftmax", "rows", rows);
  checkCount("logSoftmax", "cols", cols);
  if (x.length < rows * cols) throw new RangeError(`logSoftmax: x has ${x.length} elements, needs ${rows * cols}`);
  if (out.length < rows * cols) throw new RangeError(`logSoftmax: out has ${out.length} elements, needs ${rows * cols}`);
  rt.dispatch(LOG_SOFTMAX, { x, out }, { rows, cols }, grid2d(rows));
}
