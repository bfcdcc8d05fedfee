import type { KernelSpec } from "../codegen.js";
import type { GpuRuntime, GpuTensor } from "../runtime.js";
import { REDUCE, ROW_THREADS } from "./reduce.js";

/**
 * sumSquares: one workgroup; each thread folds a strided share of x² with Neumaier's compensation, then the fixed
 * tree of reduce_sum: near the reference's float64 sum, and the same bits run to run.
 */
export const SUM_SQUARES: KernelSpec = {
  name: "sumSquares",
  buffers: [{ name: "x" }, { name: "out", write: true }],
  params: [["n", "u32"], ["at", "u32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE,
  main: /* wgsl */ `
  var s = 0.0;
  var c = 0.0;
  for (var i = li; i < P.n; i += T) {
    let v = x_f(i) * x_f(i);
    let t = s + v;
    c += select((v - t) + s, (s - t) + v, abs(s) >= abs(v));
    s = t;
  }
  let total = reduce_sum(li, s + c);
  if (li == 0u) { out_setf(P.at, total); }`,
};

export function encodeSumSquares(rt: GpuRuntime, x: GpuTensor, n: number, out: GpuTensor, at: number): void {
  rt.dispatch(SUM_SQUARES, { x, out }, { n, at }, [1]);
}
