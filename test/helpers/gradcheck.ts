import assert from "node:assert/strict";
import { Rng, Tensor } from "../../src/tensor/index.js";

/** A tensor of uniform values in [lo, hi) that requires grad. */
export function randTensor(rng: Rng, shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return new Tensor(data, shape, true);
}

/**
 * Checks the autograd gradients of every input against central finite differences of
 * L = Σ f(inputs) ⊙ w, for a fixed random w (so every output element matters, with a different weight).
 */
export function gradcheck(
  name: string,
  f: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: { h?: number; atol?: number; rtol?: number; seed?: number } = {},
): void {
  const h = opts.h ?? 1e-2;
  const atol = opts.atol ?? 2e-3;
  const rtol = opts.rtol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 99);
  const probe = f(...inputs);
  const w = new Float32Array(probe.size);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform() * 2 - 1;
  const lossOf = (): number => {
    const out = f(...inputs);
    let s = 0;
    for (let i = 0; i < out.size; i++) s += out.data[i] * w[i];
    return s;
  };
  for (const t of inputs) t.grad = null;
  f(...inputs).backward(w);
  inputs.forEach((t, k) => {
    if (!t.requiresGrad) return;
    const analytic = t.grad ?? new Float32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const orig = t.data[i];
      t.data[i] = orig + h;
      const up = lossOf();
      t.data[i] = orig - h;
      const down = lossOf();
      t.data[i] = orig;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(analytic[i] - numeric);
      assert.ok(
        err <= atol + rtol * Math.abs(numeric),
        `${name}: input ${k} element ${i}: autograd ${analytic[i]} vs finite difference ${numeric}`,
      );
    }
  });
}
