import type { AdamArgs, AttendOneArgs, CrossEntropyArgs, LayerNormArgs, LayerNormBackwardArgs } from "./backend.js";

/**
 * What the fast element kernels (wasm, native) share around their vector code: argument checks — they read memory
 * by counts, so a short array must be refused before any kernel runs — and the per-row scalar arithmetic kept in
 * TS (cross-entropy's log and label smoothing, Adam's bias corrections).
 */

/** Throws a RangeError naming the kernel and argument when arr has fewer than count elements. */
export function need(label: string, kernel: string, name: string, arr: ArrayLike<number>, count: number): void {
  if (arr.length < count) {
    throw new RangeError(`${kernel} (${label}): ${name} has ${arr.length} elements, needs ${count}`);
  }
}

/** Backend.layerNorm's arrays are long enough. */
export function checkLayerNorm(label: string, { x, gamma, beta, out, mean, rstd, rows, cols }: LayerNormArgs): void {
  need(label, "layerNorm", "x", x, rows * cols);
  need(label, "layerNorm", "out", out, rows * cols);
  need(label, "layerNorm", "gamma", gamma, cols);
  need(label, "layerNorm", "beta", beta, cols);
  need(label, "layerNorm", "mean", mean, rows);
  need(label, "layerNorm", "rstd", rstd, rows);
}

/** Backend.layerNormBackward's arrays are long enough. */
export function checkLayerNormBackward(
  label: string, { dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, cols }: LayerNormBackwardArgs,
): void {
  const n = rows * cols;
  need(label, "layerNormBackward", "dy", dy, n);
  need(label, "layerNormBackward", "x", x, n);
  need(label, "layerNormBackward", "dx", dx, n);
  need(label, "layerNormBackward", "gamma", gamma, cols);
  need(label, "layerNormBackward", "dGamma", dGamma, cols);
  need(label, "layerNormBackward", "dBeta", dBeta, cols);
  need(label, "layerNormBackward", "mean", mean, rows);
  need(label, "layerNormBackward", "rstd", rstd, rows);
}

/** Every target is a class in 0..cols-1 or ignoreIndex; the RangeError names the row. */
export function checkTargets(label: string, { targets, rows, cols, ignoreIndex }: Pick<CrossEntropyArgs, "targets" | "rows" | "cols" | "ignoreIndex">): void {
  need(label, "crossEntropy", "targets", targets, rows);
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t !== ignoreIndex && (t < 0 || t >= cols)) {
      throw new RangeError(`cross-entropy: target ${t} in row ${r} is outside the ${cols} classes`);
    }
  }
}

/**
 * Backend.crossEntropy's results from each row's max, Σ exp(x − max) and Σ x (what the vector kernel computes):
 * writes logSumExp and rowLoss, returns the rows not ignored.
 */
export function finishCrossEntropy(
  { logits, targets, rows, cols, ignoreIndex, labelSmoothing, rowLoss, logSumExp }: CrossEntropyArgs,
  rowMax: ArrayLike<number>, rowSumExp: ArrayLike<number>, rowSum: ArrayLike<number>,
): number {
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const lse = rowMax[r] + Math.log(rowSumExp[r]);
    logSumExp[r] = lse;
    const t = targets[r];
    if (t === ignoreIndex) {
      rowLoss[r] = 0;
      continue;
    }
    count++;
    const nll = lse - logits[r * cols + t];
    const smooth = lse - rowSum[r] / cols; // mean over classes of −log p[c]
    rowLoss[r] = (1 - labelSmoothing) * nll + labelSmoothing * smooth;
  }
  return count;
}

/** The scalars of kernels/adam.c's update for this step: [beta1, beta2, stepSize, 1/√(1−β2^t), eps, decay, l2]. */
export function adamScalars(a: AdamArgs): number[] {
  const bc1 = 1 - Math.pow(a.beta1, a.step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
  const decay = a.decoupled ? 1 - a.lr * a.weightDecay : 1;
  const l2 = a.decoupled ? 0 : a.weightDecay;
  return [a.beta1, a.beta2, a.lr / bc1, 1 / bc2Sqrt, a.eps, decay, l2];
}

/**
 * Backend.attendOne's sizes are whole numbers and every element it reads or writes is inside its array (the
 * vector kernels read by pointer).
 */
export function checkAttendOne(label: string, a: AttendOneArgs): void {
  // one call a layer and decoding step: plain checks, no temporary objects
  const whole = (name: string, value: number): void => {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`attendOne (${label}): ${name} must be a whole number, got ${value}`);
  };
  whole("batch", a.batch); whole("heads", a.heads); whole("dK", a.dK); whole("keys", a.keys); whole("limit", a.limit);
  whole("qOffset", a.qOffset); whole("qStride", a.qStride); whole("kOffset", a.kOffset); whole("kStride", a.kStride);
  whole("kLd", a.kLd); whole("vOffset", a.vOffset); whole("vStride", a.vStride); whole("vLd", a.vLd);
  const { batch: B, heads: h, dK, keys: S, limit } = a;
  if (limit > S) throw new RangeError(`attendOne (${label}): limit ${limit} is past the ${S} keys`);
  need(label, "attendOne", "out", a.out, B * h * dK);
  need(label, "attendOne", "weights", a.weights, B * h * S);
  if (a.keyPad) need(label, "attendOne", "keyPad", a.keyPad, B * S);
  if (B === 0) return;
  need(label, "attendOne", "q", a.q, a.qOffset + (B - 1) * a.qStride + h * dK);
  if (limit === 0) return;
  need(label, "attendOne", "k", a.k, a.kOffset + (B - 1) * a.kStride + (limit - 1) * a.kLd + h * dK);
  need(label, "attendOne", "v", a.v, a.vOffset + (B - 1) * a.vStride + (limit - 1) * a.vLd + h * dK);
}
