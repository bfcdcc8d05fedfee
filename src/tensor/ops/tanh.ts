import { record } from "../autograd.js";
import { floats } from "../alloc.js";
import { Tensor } from "../tensor.js";

/** Elementwise tanh (BERT's pooler), in float64 and rounded: within an ulp of PyTorch's float32 tanh. */
export function tanh(x: Tensor): Tensor {
  const out = floats(x.size);
  for (let i = 0; i < x.size; i++) out[i] = Math.tanh(x.data[i]);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) dx[i] = o.grad![i] * (1 - out[i] * out[i]);
    x.accumulateGrad(dx, { owned: true });
  });
}
