import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

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
 * (B, d). The encoder-only classifier's "mean" pooling; a sequence that is all padding pools to zeros.
 */
export function maskedMeanPool(x: Tensor, keyPad: Uint8Array | null): Tensor {
  const [B, T, d] = x.shape;
  const out = floats(B * d);
  backend().maskedMeanPool(x.buf, keyPad, out, B, T, d);
  return record(out, [B, d], [x], (o) => {
    backend().maskedMeanPoolBackward(o.gradRaw!, keyPad, x.gradBuf(), B, T, d);
  });
}
