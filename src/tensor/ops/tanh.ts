import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { floats } from "../alloc.js";
import { Tensor } from "../tensor.js";

/** Elementwise tanh (BERT's pooler), in float64 and rounded: within an ulp of PyTorch's float32 tanh. */
export function tanh(x: Tensor): Tensor {
  const out = floats(x.size);
  backend().tanh(x.buf, out, x.size);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().tanhBackward(out, o.gradRaw!, dx, x.size); // from the output: 1 − tanh²
    x.accumulateGrad(dx, { owned: true });
  });
}
