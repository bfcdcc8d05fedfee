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

/**
 * The checks of the tensor-layer kernels (add, tile, copyStrided, argmaxRows, ...). Every backend runs the same
 * ones (wasm and native reuse the reference loops), so the messages name the kernel and argument, not a backend.
 */
export function checkCount(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${kernel}: ${name} must be a whole number ≥ 0, got ${value}`);
}

/** n is a whole number and each array holds at least n elements. */
export function checkLengths(kernel: string, n: number, arrays: Record<string, { length: number }>): void {
  checkCount(kernel, "n", n);
  for (const name in arrays) {
    const len = arrays[name].length;
    if (len < n) throw new RangeError(`${kernel}: ${name} has ${len} elements, needs ${n}`);
  }
}

/** A tiled kernel's period: ≥ 1 when there is anything to do, and the tile holds a whole period. */
export function checkPeriod(kernel: string, name: string, tile: { length: number }, period: number, n: number): void {
  checkCount(kernel, "period", period);
  if (n > 0 && period < 1) throw new RangeError(`${kernel}: period must be ≥ 1, got ${period}`);
  if (tile.length < period) throw new RangeError(`${kernel}: ${name} has ${tile.length} elements, needs the period ${period}`);
}

/** The element ranges [lo, hi] a strided copy reads and writes (inclusive), or null when it copies nothing. */
export interface CopySpans { srcLo: number; srcHi: number; dstLo: number; dstHi: number }

/**
 * Checks a copyStrided's shape against arrays of srcLength and dstLength elements (RangeError, one line) and
 * returns the spans it touches. The dst layout must write each element once: with the dimensions sorted by dst
 * stride, each stride must pass the farthest element the smaller ones reach (a sufficient test, and one every
 * contiguous, transposed, narrowed or cache layout passes).
 */
export function copyStridedSpans(
  a: { srcOffset: number; dstOffset: number; sizes: readonly number[]; srcStrides: readonly number[]; dstStrides: readonly number[] },
  srcLength: number, dstLength: number,
): CopySpans | null {
  const { sizes, srcStrides, dstStrides } = a;
  const d = sizes.length;
  if (d < 1 || d > 4) throw new RangeError(`copyStrided: ${d} dimensions, expected 1 to 4`);
  if (srcStrides.length !== d || dstStrides.length !== d) {
    throw new RangeError(`copyStrided: ${d} sizes but ${srcStrides.length} srcStrides and ${dstStrides.length} dstStrides`);
  }
  checkCount("copyStrided", "srcOffset", a.srcOffset);
  checkCount("copyStrided", "dstOffset", a.dstOffset);
  for (let k = 0; k < d; k++) {
    checkCount("copyStrided", `sizes[${k}]`, sizes[k]);
    checkCount("copyStrided", `srcStrides[${k}]`, srcStrides[k]);
    checkCount("copyStrided", `dstStrides[${k}]`, dstStrides[k]);
  }
  if (sizes.some((s) => s === 0)) return null;
  let srcHi = a.srcOffset, dstHi = a.dstOffset;
  for (let k = 0; k < d; k++) {
    srcHi += (sizes[k] - 1) * srcStrides[k];
    dstHi += (sizes[k] - 1) * dstStrides[k];
  }
  if (srcHi >= srcLength) throw new RangeError(`copyStrided: reads src[${srcHi}], but src has ${srcLength} elements`);
  if (dstHi >= dstLength) throw new RangeError(`copyStrided: writes dst[${dstHi}], but dst has ${dstLength} elements`);
  const dims = [...sizes.keys()].filter((k) => sizes[k] > 1).sort((x, y) => dstStrides[x] - dstStrides[y]);
  let reach = 0;
  for (const k of dims) {
    if (dstStrides[k] <= reach) {
      throw new RangeError(`copyStrided: dstStrides [${dstStrides.join(", ")}] with sizes [${sizes.join(", ")}] write some element of dst twice`);
    }
    reach += dstStrides[k] * (sizes[k] - 1);
  }
  if (!Number.isSafeInteger(srcHi) || !Number.isSafeInteger(dstHi)) throw new RangeError("copyStrided: an index is past 2^53");
  return { srcLo: a.srcOffset, srcHi, dstLo: a.dstOffset, dstHi };
}

/** Refuses a copy whose spans overlap in one storage; `at` places each span's elements in that storage. */
export function checkCopyDisjoint(spans: CopySpans, srcAt: number, dstAt: number): void {
  if (srcAt + spans.srcLo <= dstAt + spans.dstHi && dstAt + spans.dstLo <= srcAt + spans.srcHi) {
    throw new RangeError("copyStrided: src and dst overlap (the elements read and written must be apart)");
  }
}

/**
 * maskedMeanPool's (and its backward's) shape: whole counts, the (batch, T, d) and (batch, d) arrays named `big` and
 * `small` long enough, and keyPad (batch, T) when given.
 */
export function checkMeanPool(kernel: string, big: [string, { length: number }], small: [string, { length: number }],
  keyPad: { length: number } | null, batch: number, T: number, d: number): void {
  checkCount(kernel, "batch", batch);
  checkCount(kernel, "T", T);
  checkCount(kernel, "d", d);
  checkLengths(kernel, batch * T * d, { [big[0]]: big[1] });
  checkLengths(kernel, batch * d, { [small[0]]: small[1] });
  if (keyPad) checkLengths(kernel, batch * T, { keyPad });
}
