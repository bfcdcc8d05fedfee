import { record } from "../autograd.js";
import type { Rng } from "../random.js";
import { Tensor } from "../tensor.js";

/** Inverted dropout (Srivastava et al. 2014): zero each value with probability p, scale the rest by 1/(1−p). */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (p <= 0) return x;
  if (p >= 1) throw new Error(`dropout: p must be below 1, got ${p}`);
  const keep = new Uint8Array(x.size);
  rng.fillKeepMask(keep, p); // as rng.uniform() >= p element by element
  const inv = 1 / (1 - p);
  const out = new Float32Array(x.size);
  const xd = x.data;
  // keep[i] ∈ {0, 1} as a factor rather than a branch: the mask is random, a branch would be mispredicted
  for (let i = 0; i < out.length; i++) out[i] = xd[i] * inv * keep[i];
  return record(out, x.shape, [x], (o) => {
    const g = o.grad!;
    const dx = new Float32Array(g.length);
    for (let i = 0; i < dx.length; i++) dx[i] = g[i] * inv * keep[i];
    x.accumulateGrad(dx, { owned: true });
  });
}
