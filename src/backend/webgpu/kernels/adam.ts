import type { AdamArgs } from "../../backend.js";
import { adamScalars } from "../../kernel-args.js";
import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { FLAT_256 } from "./wgsl-math.js";

/** One Adam/AdamW step in place, operation for operation as src/backend/js/adam.ts (kernels/adam.c's scalars). */
export const ADAM: KernelSpec = {
  name: "adam",
  buffers: [{ name: "param", write: true }, { name: "grad" }, { name: "m", write: true }, { name: "v", write: true }],
  params: [["n", "u32"], ["beta1", "f32"], ["beta2", "f32"], ["omb1", "f32"], ["omb2", "f32"], ["stepSize", "f32"],
    ["invBc2", "f32"], ["eps", "f32"], ["decay", "f32"], ["l2", "f32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  ${FLAT_256}
  if (i >= P.n) { return; }
  let p0 = param_f(i);
  let p = p0 * P.decay;
  let g = grad_f(i) + P.l2 * p0;
  let mi = P.beta1 * m_f(i) + P.omb1 * g;
  let vi = P.beta2 * v_f(i) + P.omb2 * g * g;
  m_setf(i, mi);
  v_setf(i, vi);
  param_setf(i, p - (P.stepSize * mi) / (sqrt(vi) * P.invBc2 + P.eps));`,
};

export function encodeAdam(rt: GpuRuntime, param: GpuTensor, grad: GpuTensor, m: GpuTensor, v: GpuTensor, n: number, a: AdamArgs): void {
  const [beta1, beta2, stepSize, invBc2, eps, decay, l2] = adamScalars(a);
  rt.dispatch(ADAM, { param, grad, m, v }, {
    n, beta1, beta2, omb1: 1 - beta1, omb2: 1 - beta2, stepSize, invBc2, eps, decay, l2,
  }, grid2d(Math.ceil(n / 256)));
}
