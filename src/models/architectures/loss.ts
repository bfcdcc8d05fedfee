import type { Linear } from "../../nn/index.js";
import { type Tensor, linearCrossEntropy, noGrad } from "../../tensor/index.js";
import type { LossResult } from "./spec.js";

/**
 * Next-token loss of a generative model: label-smoothed cross-entropy over the non-pad targets (PyTorch's
 * cross_entropy with ignore_index = pad), the vocabulary projection `head` fused with it, so that the (B, T, V)
 * logits are never built for the loss; `logits` computes them, without a graph and once, for callers that look.
 */
export function tokenLoss(hidden: Tensor, head: Linear, targets: Int32Array, pad: number, labelSmoothing: number, logits: () => Tensor): LossResult {
  const loss = linearCrossEntropy(hidden, head.weight, head.bias, targets, { ignoreIndex: pad, labelSmoothing });
  let count = 0;
  for (const t of targets) if (t !== pad) count++;
  let computed: Tensor | null = null;
  return {
    get logits(): Tensor {
      computed ??= noGrad(logits);
      return computed;
    },
    loss,
    count,
  };
}
