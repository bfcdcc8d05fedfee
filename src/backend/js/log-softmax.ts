import type { Backend } from "../backend.js";
import { checkCount } from "../kernel-args.js";

function check(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  checkCount("logSoftmax", "rows", rows);
  checkCount("logSoftmax", "cols", cols);
  if (x.length < rows * cols) throw new RangeError(`logSoftmax: x has ${x.length} elements, needs ${rows * cols}`);
  if (out.length < rows * cols) throw new RangeError(`logSoftmax: out has ${out.length} elements, needs ${rows * cols}`);
}

/**
 * Backend.logSoftmax, operation for operation as decoding computes log-probabilities today on the reference:
 * crossEntropy's logSumExp (max by `>` from −∞, Σ exp(x − max) in float64, max + log Σ stored as float32), then
 * each score less that float32 (src/generate/beam.ts's `logits[j] -= l`).
 */
export function logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  check(x, out, rows, cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let max = -Infinity;
    for (let j = off; j < off + cols; j++) if (x[j] > max) max = x[j];
    let sum = 0;
    for (let j = off; j < off + cols; j++) sum += Math.exp(x[j] - max);
    const lse = Math.fround(max + Math.log(sum));
    for (let j = off; j < off + cols; j++) out[j] = x[j] - lse;
  }
}

/**
 * logSoftmax from a backend's crossEntropy kernel (its logSumExp, every row ignored) and the subtraction: what
 * src/generate's rowLogSumExp and `-= lse` compute on that backend today, so the fast backends keep those bits.
 */
export function logSoftmaxOf(crossEntropy: Backend["crossEntropy"]): Backend["logSoftmax"] {
  return (x, out, rows, cols) => {
    check(x, out, rows, cols);
    if (rows * cols === 0) return;
    const lse = new Float32Array(rows);
    crossEntropy({
      logits: x, targets: new Int32Array(rows).fill(-1), rows, cols, ignoreIndex: -1, labelSmoothing: 0,
      rowLoss: new Float32Array(rows), logSumExp: lse,
    });
    for (let r = 0; r < rows; r++) {
      const l = lse[r];
      for (let j = r * cols; j < (r + 1) * cols; j++) out[j] = x[j] - l;
    }
  };
}
