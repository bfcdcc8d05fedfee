import { backend, hostSync, toHost } from "../backend/index.js";
import type { Tensor } from "../tensor/index.js";

/**
 * Scales all gradients together so that their global L2 norm is at most maxNorm, as
 * torch.nn.utils.clip_grad_norm_ (coefficient maxNorm / (norm + 1e-6), applied only when below 1).
 * Returns the norm before clipping. A tensor listed twice (a tied weight) counts and is scaled once.
 */
export function clipGradNorm(tensors: readonly Tensor[], maxNorm: number): number {
  const grads = [...new Set(tensors)].map((p) => p.gradRaw).filter((g): g is Float32Array => g !== null);
  const norm = Math.sqrt(hostSync === null ? squaresOnHost(grads) : squaresOnDevice(grads));
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of grads) backend().scale(g, coef, g, g.length);
  return norm;
}

/** One float64 sum over every gradient (CPU backends: the arrays are here). */
function squaresOnHost(grads: readonly Float32Array[]): number {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  return sq;
}

/** A device backend: each gradient's sum of squares on the device, one small read, the total in float64 here. */
function squaresOnDevice(grads: readonly Float32Array[]): number {
  const parts = new Float32Array(grads.length);
  grads.forEach((g, i) => backend().sumSquares(g, g.length, parts, i));
  toHost(parts);
  let sq = 0;
  for (const s of parts) sq += s;
  return sq;
}
