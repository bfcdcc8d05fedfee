import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";

export interface CrossEntropyOptions {
  /** Targets equal to this are left out of the mean (PyTorch's ignore_index); null: none. */
  ignoreIndex?: number | null;
  /** PyTorch's label_smoothing ε: (1 − ε)·NLL + ε·mean over classes of −log p. */
  labelSmoothing?: number;
}

/**
 * Mean cross-entropy of logits (..., C) against integer targets (one per row), fused with log-softmax so
 * that the backward is the familiar p − onehot, as torch.nn.functional.cross_entropy.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  const cols = logits.shape[logits.ndim - 1];
  const rows = logits.size / cols;
  if (targets.length !== rows) throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows of logits`);
  const ignore = opts.ignoreIndex ?? -1;
  const eps = opts.labelSmoothing ?? 0;
  const rowLoss = new Float32Array(rows);
  const lse = new Float32Array(rows);
  const count = backend().crossEntropy(logits.data, targets, rows, cols, ignore, eps, rowLoss, lse);
  let total = 0;
  for (let r = 0; r < rows; r++) total += rowLoss[r];
  // all targets ignored: PyTorch returns NaN; 0 with zero gradient keeps an all-pad batch harmless
  const loss = count > 0 ? total / count : 0;
  return record(Float32Array.of(loss), [], [logits], (o) => {
    if (count === 0) return;
    const d = new Float32Array(logits.size);
    backend().crossEntropyBackward(logits.data, targets, lse, rows, cols, ignore, eps, o.grad![0] / count, d);
    logits.accumulateGrad(d);
  });
}
