import { record } from "../autograd.js";
import type { Rng } from "../random.js";
import { Tensor } from "../tensor.js";

/** Inverted dropout (Srivastava et al. 2014): zero each value with probability p, scale the rest by 1/(1−p). */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (p <= 0) return x;
  if (p >= 1) throw new Error(`dropout: p must be below 1, got ${p}`);
  const keep = new Uint8Array(x.size);
  const inv = 1 / (1 - p);
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    if (rng.uniform() >= p) {
      keep[i] = 1;
      out[i] = x.data[i] * inv;
    }
  }
  return record(out, x.shape, [x], (o) => {
    const g = o.grad!;
    const gx = x.gradBuffer();
    for (let i = 0; i < gx.length; i++) if (keep[i]) gx[i] += g[i] * inv;
  });
}
