import { type Recorder, Tensor, dropout, gelu, geluTanh, relu, silu } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import type { Linear } from "./linear.js";

/** relu; gelu: exact (erf), PyTorch's "gelu"; gelu_tanh: its tanh approximation, GPT-2's "gelu_new"; silu: x·σ(x), Marian's "swish". */
export type Activation = "relu" | "gelu" | "gelu_tanh" | "silu";

const ACTIVATIONS: Readonly<Record<Activation, (x: Tensor) => Tensor>> = { relu, gelu, gelu_tanh: geluTanh, silu };

/** The values config.json's "activation" may take. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as readonly Activation[];

/** act(x) for a config's activation name (the feed-forward layer's, and heads that use the same, as BERT's MLM head). */
export function activate(x: Tensor, activation: Activation): Tensor {
  return ACTIVATIONS[activation](x);
}

/**
 * Position-wise feed-forward network (paper §3.3): FFN(x) = act(x W1 + b1) W2 + b2, dModel → dFF (the
 * "latent dimension") → dModel, applied to every position alone. The two Linear layers belong to the
 * enclosing layer (PyTorch names them linear1/linear2 there), so this is a function, not a module. `rec` gets
 * the `hidden` units x W1 + b1, their `activated` values and the `output`.
 */
export function feedForward(x: Tensor, linear1: Linear, linear2: Linear, activation: Activation, p: number, rng: Rng, rec?: Recorder): Tensor {
  const hidden = linear1.forward(x); // (B, T, dFF)
  const act = activate(hidden, activation);
  const out = linear2.forward(dropout(act, p, rng)); // (B, T, dModel)
  if (rec) {
    rec("hidden", hidden.data, hidden.shape);
    rec("activated", act.data, act.shape);
    rec("output", out.data, out.shape);
  }
  return out;
}
