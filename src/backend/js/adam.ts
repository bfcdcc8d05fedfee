import type { AdamArgs } from "../backend.js";

/** torch.optim.Adam / AdamW's single-tensor update, operation for operation. */
export function adam(
  param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, a: AdamArgs,
): void {
  const bc1 = 1 - Math.pow(a.beta1, a.step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
  const stepSize = a.lr / bc1;
  const decay = a.decoupled ? 1 - a.lr * a.weightDecay : 1;
  const l2 = a.decoupled ? 0 : a.weightDecay;
  for (let i = 0; i < n; i++) {
    const p = param[i] * decay;
    const g = grad[i] + l2 * param[i];
    const mi = a.beta1 * m[i] + (1 - a.beta1) * g;
    const vi = a.beta2 * v[i] + (1 - a.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + a.eps);
  }
}
