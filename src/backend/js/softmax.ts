import type { AttentionMask } from "../backend.js";

/** Softmax of one row of `cols` values starting at `off`, with entries where `allowed` is false set to 0. */
function softmaxRow(
  x: Float32Array, out: Float32Array, off: number, cols: number, scale: number,
  allowed: ((j: number) => boolean) | null,
): void {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) {
    if (allowed && !allowed(j)) continue;
    const v = scale * x[off + j];
    if (v > max) max = v;
  }
  if (max === -Infinity) {
    // every key masked: zero weights instead of PyTorch's NaN
    for (let j = 0; j < cols; j++) out[off + j] = 0;
    return;
  }
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    if (allowed && !allowed(j)) {
      out[off + j] = 0;
      continue;
    }
    const e = Math.exp(scale * x[off + j] - max);
    out[off + j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < cols; j++) out[off + j] *= inv;
}

export function softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, scale: number): void {
  for (let r = 0; r < rows; r++) softmaxRow(x, out, r * cols, cols, scale, null);
}

export function maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number): void {
  const { batch, heads, queries, keys, keyPad } = mask;
  const causal = mask.causal ?? false;
  const offset = mask.queryOffset ?? 0;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < queries; t++) {
        const off = ((b * heads + h) * queries + t) * keys;
        const last = t + offset; // last key a causal query may see
        const allowed = (s: number): boolean =>
          !(keyPad && keyPad[b * keys + s]) && !(causal && s > last);
        softmaxRow(scores, out, off, keys, scale, keyPad || causal ? allowed : null);
      }
    }
  }
}

export function softmaxBackward(
  y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, scale: number,
): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[off + j] * y[off + j];
    for (let j = 0; j < cols; j++) dx[off + j] = scale * y[off + j] * (dy[off + j] - dot);
  }
}
