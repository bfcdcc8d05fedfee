import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { REDUCE, ROW_THREADS } from "./reduce.js";

/**
 * LayerNorm forward (one workgroup a row: the mean, then the biased variance about it, as the reference's two
 * passes) and backward: dx a row per workgroup; dGamma and dBeta one thread a column adding the rows in order
 * into what they held, so the sums are deterministic without atomics.
 */

export const LAYER_NORM: KernelSpec = {
  name: "layerNorm",
  buffers: [{ name: "x" }, { name: "gamma" }, { name: "beta" }, { name: "out", write: true },
    { name: "mean", write: true }, { name: "rstd", write: true }],
  params: [["rows", "u32"], ["cols", "u32"], ["eps", "f32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE,
  main: /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  let n = f32(P.cols);
  var s = 0.0;
  for (var j = li; j < P.cols; j += T) { s += x_f(off + j); }
  let mu = reduce_sum(li, s) / n;
  var v = 0.0;
  for (var j = li; j < P.cols; j += T) { let d = x_f(off + j) - mu; v += d * d; }
  let rs = 1.0 / sqrt(reduce_sum(li, v) / n + P.eps);
  if (li == 0u) { mean_setf(r, mu); rstd_setf(r, rs); }
  for (var j = li; j < P.cols; j += T) { out_setf(off + j, (x_f(off + j) - mu) * rs * gamma_f(j) + beta_f(j)); }`,
};

export const LAYER_NORM_DX: KernelSpec = {
  name: "layerNormBackwardDx",
  buffers: [{ name: "dy" }, { name: "x" }, { name: "gamma" }, { name: "mean" }, { name: "rstd" }, { name: "dx", write: true }],
  params: [["rows", "u32"], ["cols", "u32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE,
  main: /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  let mu = mean_f(r);
  let rs = rstd_f(r);
  var acc = vec2<f32>(0.0, 0.0);
  for (var j = li; j < P.cols; j += T) {
    let g = dy_f(off + j) * gamma_f(j);
    acc += vec2<f32>(g, g * ((x_f(off + j) - mu) * rs));
  }
  let sums = reduce_sum2(li, acc) / f32(P.cols);
  for (var j = li; j < P.cols; j += T) {
    let xhat = (x_f(off + j) - mu) * rs;
    dx_setf(off + j, rs * (dy_f(off + j) * gamma_f(j) - sums.x - xhat * sums.y));
  }`,
};

export const LAYER_NORM_DPARAMS: KernelSpec = {
  name: "layerNormBackwardParams",
  buffers: [{ name: "dy" }, { name: "x" }, { name: "mean" }, { name: "rstd" }, { name: "dGamma", write: true }, { name: "dBeta", write: true }],
  params: [["rows", "u32"], ["cols", "u32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  let j = wg * 256u + li;
  if (j >= P.cols) { return; }
  var dg = dGamma_f(j);
  var db = dBeta_f(j);
  for (var r = 0u; r < P.rows; r++) {
    let d = dy_f(r * P.cols + j);
    dg += d * ((x_f(r * P.cols + j) - mean_f(r)) * rstd_f(r));
    db += d;
  }
  dGamma_setf(j, dg);
  dBeta_setf(j, db);`,
};

export interface GpuLayerNormArgs {
  x: GpuTensor; gamma: GpuTensor; beta: GpuTensor; out: GpuTensor; mean: GpuTensor; rstd: GpuTensor;
  rows: number; cols: number; eps: number;
}

export interface GpuLayerNormBackwardArgs {
  dy: GpuTensor; x: GpuTensor; gamma: GpuTensor; mean: GpuTensor; rstd: GpuTensor;
  dx: GpuTensor; dGamma: GpuTensor; dBeta: GpuTensor; rows: number; cols: number;
}

export function encodeLayerNorm(rt: GpuRuntime, a: GpuLayerNormArgs): void {
  const { x, gamma, beta, out, mean, rstd, rows, cols, eps } = a;
  rt.dispatch(LAYER_NORM, { x, gamma, beta, out, mean, rstd }, { rows, cols, eps }, grid2d(rows));
}

/** Overwrites dx; adds into dGamma and dBeta. */
export function encodeLayerNormBackward(rt: GpuRuntime, a: GpuLayerNormBackwardArgs): void {
  const { dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, cols } = a;
  // the parameters' sums first: dx may alias dy
  rt.dispatch(LAYER_NORM_DPARAMS, { dy, x, mean, rstd, dGamma, dBeta }, { rows, cols }, grid2d(Math.ceil(cols / 256)));
  rt.dispatch(LAYER_NORM_DX, { dy, x, gamma, mean, rstd, dx }, { rows, cols }, grid2d(rows));
}
