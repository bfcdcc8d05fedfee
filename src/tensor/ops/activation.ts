import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

export function relu(x: Tensor): Tensor {
  const out = floats(x.size);
  backend().relu(x.buf, out, x.size);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().reluBackward(x.buf, o.gradRaw!, dx, x.size);
    x.accumulateGrad(dx, { owned: true });
  });
}

/** Exact (erf) GELU, as PyTorch's activation="gelu". */
export function gelu(x: Tensor): Tensor {
  const out = floats(x.size);
  backend().gelu(x.buf, out, x.size);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().geluBackward(x.buf, o.gradRaw!, dx, x.size);
    x.accumulateGrad(dx, { owned: true });
  });
}

/** GELU's tanh approximation, as PyTorch's gelu(approximate="tanh") and GPT-2's "gelu_new". */
export function geluTanh(x: Tensor): Tensor {
  const out = floats(x.size);
  backend().geluTanh(x.buf, out, x.size);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().geluTanhBackward(x.buf, o.gradRaw!, dx, x.size);
    x.accumulateGrad(dx, { owned: true });
  });
}

/** SiLU (swish), as PyTorch's silu and transformers' "swish" / "silu". */
export function silu(x: Tensor): Tensor {
  const out = floats(x.size);
  backend().silu(x.buf, out, x.size);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().siluBackward(x.buf, o.gradRaw!, dx, x.size);
    x.accumulateGrad(dx, { owned: true });
  });
}

/** Row-wise softmax over the last dimension. */
export function softmax(x: Tensor): Tensor {
  const cols = x.shape[x.ndim - 1];
  const rows = x.size / cols;
  const out = floats(x.size);
  backend().softmax(x.buf, out, rows, cols, 1);
  return record(out, x.shape, [x], (o) => {
    const dx = new Float32Array(x.size);
    backend().softmaxBackward(out, o.gradRaw!, dx, rows, cols, 1);
    x.accumulateGrad(dx, { owned: true });
  });
}
