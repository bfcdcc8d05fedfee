import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";

/** Sum of all elements, as a scalar tensor. */
export function sum(a: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i];
  return record(Float32Array.of(s), [], [a], (o) => {
    const g = o.grad![0];
    const ga = a.gradBuffer();
    for (let i = 0; i < ga.length; i++) ga[i] += g;
  });
}

export function mean(a: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i];
  const n = a.size;
  return record(Float32Array.of(s / n), [], [a], (o) => {
    const g = o.grad![0] / n;
    const ga = a.gradBuffer();
    for (let i = 0; i < ga.length; i++) ga[i] += g;
  });
}

/**
 * Mean over the positions of each sequence that are not padding: x (B, T, d), keyPad (B, T) with 1 = pad →
 * (B, d). The encoder-only classifier's "mean" pooling.
 */
export function maskedMeanPool(x: Tensor, keyPad: Uint8Array | null): Tensor {
  const [B, T, d] = x.shape;
  const out = new Float32Array(B * d);
  const counts = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let c = 0;
    for (let t = 0; t < T; t++) {
      if (keyPad && keyPad[b * T + t]) continue;
      c++;
      const off = (b * T + t) * d;
      for (let j = 0; j < d; j++) out[b * d + j] += x.data[off + j];
    }
    counts[b] = c;
    if (c > 0) for (let j = 0; j < d; j++) out[b * d + j] /= c;
  }
  return record(out, [B, d], [x], (o) => {
    const g = o.grad!;
    const gx = x.gradBuffer();
    for (let b = 0; b < B; b++) {
      if (counts[b] === 0) continue;
      const inv = 1 / counts[b];
      for (let t = 0; t < T; t++) {
        if (keyPad && keyPad[b * T + t]) continue;
        const off = (b * T + t) * d;
        for (let j = 0; j < d; j++) gx[off + j] += g[b * d + j] * inv;
      }
    }
  });
}
