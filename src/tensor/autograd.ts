import { Tensor } from "./tensor.js";

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording a graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Wraps an op's output: when grad is on and any input needs it, records the inputs and the backward closure.
 * `backward` reads out.grad (∂loss/∂out) and accumulates into the inputs' grads.
 */
export function record(
  data: Float32Array,
  shape: readonly number[],
  inputs: readonly Tensor[],
  backward: (out: Tensor) => void,
): Tensor {
  const out = new Tensor(data, shape);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.parents = inputs;
    out.backwardFn = () => backward(out);
  }
  return out;
}
