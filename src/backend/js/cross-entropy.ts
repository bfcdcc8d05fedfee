import type { Backend, CrossEntropyArgs, CrossEntropyBackwardArgs } from "../backend.js";

function checkTarget(t: number, r: number, cols: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= cols) {
    throw new RangeError(`cross-entropy: target ${t} in row ${r} is outside the ${cols} classes`);
  }
}

export function crossEntropy({ logits, targets, rows, cols, ignoreIndex, labelSmoothing, rowLoss, logSumExp }: CrossEntropyArgs): number {
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (logits[off + j] > max) max = logits[off + j];
    let sum = 0;
    let sumLogits = 0;
    for (let j = 0; j < cols; j++) {
      sum += Math.exp(logits[off + j] - max);
      sumLogits += logits[off + j];
    }
    const lse = max + Math.log(sum);
    logSumExp[r] = lse;
    const t = targets[r];
    if (t === ignoreIndex) {
      rowLoss[r] = 0;
      continue;
    }
    checkTarget(t, r, cols);
    count++;
    const nll = lse - logits[off + t];
    const smooth = lse - sumLogits / cols; // mean over classes of −log p[c]
    rowLoss[r] = (1 - labelSmoothing) * nll + labelSmoothing * smooth;
  }
  return count;
}

export function crossEntropyBackward(
  { logits, targets, logSumExp, rows, cols, ignoreIndex, labelSmoothing, scale, dLogits }: CrossEntropyBackwardArgs,
): void {
  const uniform = labelSmoothing / cols;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const t = targets[r];
    if (t === ignoreIndex) {
      dLogits.fill(0, off, off + cols);
      continue;
    }
    checkTarget(t, r, cols);
    const lse = logSumExp[r];
    for (let j = 0; j < cols; j++) dLogits[off + j] = scale * (Math.exp(logits[off + j] - lse) - uniform);
    dLogits[off + t] -= scale * (1 - labelSmoothing);
  }
}

/** Backend.crossEntropyWithGrad from a backend's two cross-entropy kernels, one after the other. */
export function crossEntropyWithGradOf(be: Pick<Backend, "crossEntropy" | "crossEntropyBackward">): Backend["crossEntropyWithGrad"] {
  return (args) => {
    const count = be.crossEntropy(args);
    be.crossEntropyBackward(args);
    return count;
  };
}
