import type { Tensor } from "../tensor/index.js";

/**
 * Scales all gradients together so that their global L2 norm is at most maxNorm, as
 * torch.nn.utils.clip_grad_norm_ (coefficient maxNorm / (norm + 1e-6), applied only when below 1).
 * Returns the norm before clipping. A tensor listed twice (a tied weight) counts and is scaled once.
 */
export function clipGradNorm(tensors: readonly Tensor[], maxNorm: number): number {
  const params = new Set(tensors);
  let sq = 0;
  for (const p of params) {
    if (!p.grad) continue;
    for (let i = 0; i < p.grad.length; i++) sq += p.grad[i] * p.grad[i];
  }
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      if (!p.grad) continue;
      for (let i = 0; i < p.grad.length; i++) p.grad[i] *= coef;
    }
  }
  return norm;
}
