import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import type { Rng } from "../random.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

/** Inverted dropout (Srivastava et al. 2014): zero each value with probability p, scale the rest by 1/(1−p). */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (p <= 0) return x;
  if (p >= 1) throw new Error(`dropout: p must be below 1, got ${p}`);
  const keep = new Uint8Array(x.size);
  const out = floats(x.size);
  backend().dropout(x.buf, out, keep, x.size, p, rng.dropoutKey()); // one key (two draws) per mask
  const inv = 1 / (1 - p);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().maskScale(o.gradRaw!, keep, inv, dx, x.size);
    x.accumulateGrad(dx, { owned: true });
  });
}
