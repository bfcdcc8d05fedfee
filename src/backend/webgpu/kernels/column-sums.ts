import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";

/**
 * addColumnSums: one thread a column, the rows in order with Neumaier's compensation (a float32 sum carrying its
 * own rounding error), so that the result is near the reference's float64 sum rounded once.
 */
export const COLUMN_SUMS: KernelSpec = {
  name: "addColumnSums",
  buffers: [{ name: "x" }, { name: "out", write: true }],
  params: [["rows", "u32"], ["cols", "u32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  let j = wg * 256u + li;
  if (j >= P.cols) { return; }
  var s = 0.0;
  var c = 0.0;
  for (var r = 0u; r < P.rows; r++) {
    let v = x_f(r * P.cols + j);
    let t = s + v;
    c += select((v - t) + s, (s - t) + v, abs(s) >= abs(v));
    s = t;
  }
  out_setf(j, out_f(j) + (s + c));`,
};

export function encodeAddColumnSums(rt: GpuRuntime, x: GpuTensor, rows: number, cols: number, out: GpuTensor): void {
  rt.dispatch(COLUMN_SUMS, { x, out }, { rows, cols }, grid2d(Math.ceil(cols / 256)));
}
