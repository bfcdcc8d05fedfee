import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { REDUCE, ROW_THREADS } from "./reduce.js";

/**
 * Cross-entropy with label smoothing and ignoreIndex: a row per workgroup (max, Σ exp(x − max), Σ x), the
 * gradient elementwise from logSumExp, or fused into the row pass (crossEntropyWithGrad). The count of rows not
 * ignored and the first row whose target is outside the classes go to a 2-word status tensor, computed on the
 * GPU so that nothing is read back until the caller asks (it is a u32 count and a u32 min: exact, deterministic).
 */

const ROW_STATS = /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  var m = -3.402823e38;
  for (var j = li; j < P.cols; j += T) { m = max(m, logits_f(off + j)); }
  m = reduce_max(li, m);
  var acc = vec2<f32>(0.0, 0.0);
  for (var j = li; j < P.cols; j += T) { let v = logits_f(off + j); acc += vec2<f32>(exp(v - m), v); }
  let sums = reduce_sum2(li, acc);
  let lse = m + log(sums.x);
  let t = targets_i(r);
  let ignored = t == P.ignore;
  let valid = !ignored && t >= 0 && u32(t) < P.cols;`;

const WRITE_LOSS = /* wgsl */ `
  if (li == 0u) {
    logSumExp_setf(r, lse);
    var loss = 0.0;
    if (valid) {
      let nll = lse - logits_f(off + u32(t));
      let smoothed = lse - sums.y / f32(P.cols);
      loss = (1.0 - P.eps) * nll + P.eps * smoothed;
    }
    rowLoss_setf(r, loss);
  }`;

const PARAMS = [["rows", "u32"], ["cols", "u32"], ["ignore", "i32"], ["eps", "f32"], ["scale", "f32"]] as const;

export const CROSS_ENTROPY: KernelSpec = {
  name: "crossEntropy",
  buffers: [{ name: "logits" }, { name: "targets" }, { name: "rowLoss", write: true }, { name: "logSumExp", write: true }],
  params: PARAMS,
  workgroupSize: [ROW_THREADS],
  decls: REDUCE,
  main: ROW_STATS + WRITE_LOSS,
};

// the gradient of one element from its row's lse: scale·(p − ε/C), less scale·(1 − ε) at the target, rounded
// twice as the reference does
const GRAD = /* wgsl */ `
fn ce_grad(v: f32, lse: f32, isTarget: bool) -> f32 {
  let d = P.scale * (exp(v - lse) - P.eps / f32(P.cols));
  return select(d, d - P.scale * (1.0 - P.eps), isTarget);
}`;

export const CROSS_ENTROPY_WITH_GRAD: KernelSpec = {
  name: "crossEntropyWithGrad",
  buffers: [{ name: "logits" }, { name: "targets" }, { name: "rowLoss", write: true }, { name: "logSumExp", write: true },
    { name: "dLogits", write: true }],
  params: PARAMS,
  workgroupSize: [ROW_THREADS],
  decls: REDUCE + GRAD,
  // every thread reads only its own columns before writing them, so dLogits may be the logits
  main: ROW_STATS + WRITE_LOSS + /* wgsl */ `
  workgroupBarrier();
  for (var j = li; j < P.cols; j += T) {
    dLogits_setf(off + j, select(0.0, ce_grad(logits_f(off + j), lse, i32(j) == t), valid));
  }`,
};

export const CROSS_ENTROPY_BACKWARD: KernelSpec = {
  name: "crossEntropyBackward",
  buffers: [{ name: "logits" }, { name: "targets" }, { name: "logSumExp" }, { name: "dLogits", write: true }],
  params: PARAMS,
  workgroupSize: [256],
  decls: GRAD,
  main: /* wgsl */ `
  let e = wg * 256u + li;
  if (e >= P.rows * P.cols) { return; }
  let r = e / P.cols;
  let t = targets_i(r);
  let valid = t != P.ignore && t >= 0 && u32(t) < P.cols;
  dLogits_setf(e, select(0.0, ce_grad(logits_f(e), logSumExp_f(r), i32(e % P.cols) == t), valid));`,
};

export const CROSS_ENTROPY_STATUS: KernelSpec = {
  name: "crossEntropyStatus",
  buffers: [{ name: "targets" }, { name: "status", write: true }],
  params: [["rows", "u32"], ["cols", "u32"], ["ignore", "i32"]],
  workgroupSize: [256],
  decls: "var<workgroup> cnt: array<u32, 256>;\nvar<workgroup> bad: array<u32, 256>;",
  main: /* wgsl */ `
  var c = 0u;
  var b = 0xffffffffu;
  for (var r = li; r < P.rows; r += 256u) {
    let t = targets_i(r);
    if (t == P.ignore) { continue; }
    if (t < 0 || u32(t) >= P.cols) { b = min(b, r); } else { c++; }
  }
  cnt[li] = c;
  bad[li] = b;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (li < s) { cnt[li] += cnt[li + s]; bad[li] = min(bad[li], bad[li + s]); }
    workgroupBarrier();
  }
  if (li == 0u) { status_setu(0u, cnt[0]); status_setu(1u, bad[0]); }`,
};

export interface GpuCrossEntropyArgs {
  logits: GpuTensor; targets: GpuTensor; rows: number; cols: number; ignoreIndex: number; labelSmoothing: number;
  rowLoss: GpuTensor; logSumExp: GpuTensor;
  /** 2 words, written: the rows not ignored, and the first row with a target outside 0..cols-1 (0xffffffff: none). */
  status: GpuTensor;
}

export interface GpuCrossEntropyBackwardArgs {
  logits: GpuTensor; targets: GpuTensor; logSumExp: GpuTensor; rows: number; cols: number; ignoreIndex: number;
  labelSmoothing: number; scale: number; dLogits: GpuTensor;
}

function params(a: { rows: number; cols: number; ignoreIndex: number; labelSmoothing: number }, scale = 0) {
  return { rows: a.rows, cols: a.cols, ignore: a.ignoreIndex, eps: a.labelSmoothing, scale };
}

export function encodeCrossEntropy(rt: GpuRuntime, a: GpuCrossEntropyArgs): void {
  const { logits, targets, rowLoss, logSumExp, status } = a;
  rt.dispatch(CROSS_ENTROPY_STATUS, { targets, status }, { rows: a.rows, cols: a.cols, ignore: a.ignoreIndex }, [1]);
  rt.dispatch(CROSS_ENTROPY, { logits, targets, rowLoss, logSumExp }, params(a), grid2d(a.rows));
}

export function encodeCrossEntropyBackward(rt: GpuRuntime, a: GpuCrossEntropyBackwardArgs): void {
  const { logits, targets, logSumExp, dLogits } = a;
  rt.dispatch(CROSS_ENTROPY_BACKWARD, { logits, targets, logSumExp, dLogits }, params(a, a.scale), grid2d(Math.ceil((a.rows * a.cols) / 256)));
}

/** Both in one pass over the logits; dLogits may be logits. */
export function encodeCrossEntropyWithGrad(rt: GpuRuntime, a: GpuCrossEntropyArgs & { scale: number; dLogits: GpuTensor }): void {
  const { logits, targets, rowLoss, logSumExp, dLogits, status } = a;
  rt.dispatch(CROSS_ENTROPY_STATUS, { targets, status }, { rows: a.rows, cols: a.cols, ignore: a.ignoreIndex }, [1]);
  rt.dispatch(CROSS_ENTROPY_WITH_GRAD, { logits, targets, rowLoss, logSumExp, dLogits }, params(a, a.scale), grid2d(a.rows));
}
