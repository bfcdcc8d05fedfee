/**
 * ONNX nodes for the small blocks of src/nn: Linear, LayerNorm, token embeddings (× √dModel), positions
 * (sinusoidal or learned) and the position-wise feed-forward network. Each takes the module whose weights it
 * stores and the value names of its inputs, and returns the value name of its output; initializers are named
 * after the state dict (`generator.weight.T`: a matrix stored transposed, (in, out), as MatMul reads it).
 */
import type { Activation, Embedding, LayerNorm, Linear, PositionalEncoding } from "../nn/index.js";
import type { SinusoidLayout } from "../nn/positional.js";
import { sinusoidalPositions } from "../nn/index.js";
import type { Tensor } from "../tensor/index.js";
import type { GraphBuilder } from "./graph.js";

/** A (rows, cols) row-major matrix transposed: (cols, rows). */
export function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * x W + b with W given as (out, in) rows [row0, row0 + out) of `w` (PyTorch's layout): the (in, out) matrix
 * MatMul needs is stored transposed under `name`, or, when `w` is a tied matrix the graph holds already (an
 * embedding table), read through a Transpose node so that it is stored once.
 */
export function matmulBias(g: GraphBuilder, x: string, name: string, w: Tensor, bias: { name: string; t: Tensor | null }, rows?: { start: number; count: number }): string {
  const [outAll, inF] = w.shape;
  let wt: string;
  if (!rows && g.holds(w)) {
    wt = g.node("Transpose", [g.weight(name, w)], { perm: { ints: [1, 0] } });
  } else {
    const start = rows?.start ?? 0, count = rows?.count ?? outAll;
    wt = g.floats(`${name}.T`, [inF, count], transposed(w.data.subarray(start * inF, (start + count) * inF), count, inF));
  }
  const y = g.node("MatMul", [x, wt]); // (…, out)
  if (!bias.t) return y;
  const start = rows?.start ?? 0, count = rows?.count ?? outAll;
  const b = rows ? g.floats(bias.name, [count], bias.t.data.slice(start, start + count)) : g.weight(bias.name, bias.t);
  return g.node("Add", [y, b]);
}

/** torch.nn.Linear: x Wᵀ + b. */
export function linear(g: GraphBuilder, x: string, prefix: string, lin: Linear): string {
  return g.within(prefix, () => matmulBias(g, x, `${prefix}.weight`, lin.weight, { name: `${prefix}.bias`, t: lin.bias }));
}

/** LayerNorm over the last axis (opset 17's LayerNormalization). */
export function layerNorm(g: GraphBuilder, x: string, prefix: string, ln: LayerNorm): string {
  return g.within(prefix, () =>
    g.node("LayerNormalization", [x, g.weight(`${prefix}.weight`, ln.weight), g.weight(`${prefix}.bias`, ln.bias)], {
      axis: { int: -1 },
      epsilon: { float: ln.eps },
    }));
}

/** Token embeddings (paper §3.4): ids (B, T) int64 → (B, T, dModel), × √dModel when the model scales them. */
export function tokenEmbedding(g: GraphBuilder, ids: string, prefix: string, emb: Embedding): string {
  return g.within(prefix, () => {
    const x = g.node("Gather", [g.weight(`${prefix}.weight`, emb.weight), ids], { axis: { int: 0 } }); // (B, T, dModel)
    return emb.scaleBySqrtDModel ? g.node("Mul", [x, g.float(Math.sqrt(emb.dModel))]) : x;
  });
}

/**
 * Adds positions (paper §3.5) to x (B, T, dModel): rows `positions` of the learned table or of the sinusoidal one
 * (stored as `<prefix>.sinusoidal_table`, computed as the model computes it, in the config's `layout`: the paper's
 * interleaved sin/cos, or Marian's [sin | cos] halves). `positions` is (T,) or (B, T) int64; a position at or past
 * max_len makes ONNX Runtime's Gather fail, as the model refuses it.
 */
export function addPositions(g: GraphBuilder, x: string, positions: string, prefix: string, pos: PositionalEncoding, layout: SinusoidLayout = "interleaved"): string {
  return g.within(prefix, () => {
    const table = pos.weight
      ? g.weight(`${prefix}.weight`, pos.weight)
      : g.floats(`${prefix}.sinusoidal_table`, [pos.maxLen, pos.dModel], sinusoidalPositions(pos.maxLen, pos.dModel, layout));
    return g.node("Add", [x, g.node("Gather", [table, positions], { axis: { int: 0 } })]);
  });
}

/** 0.5 · x · (1 + erf(x / √2)): the exact GELU our kernels compute (opset 17 has no Gelu; Erf is opset 9). */
function gelu(g: GraphBuilder, x: string): string {
  const erf = g.node("Erf", [g.node("Mul", [x, g.float(Math.SQRT1_2)])]);
  return g.node("Mul", [g.node("Mul", [x, g.float(0.5)]), g.node("Add", [erf, g.float(1)])]);
}

/** 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³))): GELU's tanh approximation, GPT-2's "gelu_new" (Tanh is opset 6). */
function geluTanh(g: GraphBuilder, x: string): string {
  const cubic = g.node("Mul", [g.node("Mul", [g.node("Mul", [x, x]), x]), g.float(0.044715)]);
  const tanh = g.node("Tanh", [g.node("Mul", [g.node("Add", [x, cubic]), g.float(Math.sqrt(2 / Math.PI))])]);
  return g.node("Mul", [g.node("Mul", [x, g.float(0.5)]), g.node("Add", [tanh, g.float(1)])]);
}

/** act(x) for a config's activation name (nn.activate): SiLU, Marian's "swish", as x · σ(x) (opset 17 has no Silu). */
export function activation(g: GraphBuilder, x: string, act: Activation): string {
  switch (act) {
    case "relu": return g.node("Relu", [x]);
    case "gelu": return gelu(g, x);
    case "gelu_tanh": return geluTanh(g, x);
    case "silu": return g.node("Mul", [x, g.node("Sigmoid", [x])]);
    default: throw new Error(`activation: no ONNX nodes for ${JSON.stringify(act satisfies never)}`);
  }
}

/** FFN(x) = act(x W1 + b1) W2 + b2 (paper §3.3), with the layer's linear1 and linear2. */
export function feedForward(g: GraphBuilder, x: string, prefix: string, linear1: Linear, linear2: Linear, act: Activation): string {
  const hidden = linear(g, x, `${prefix}.linear1`, linear1); // (B, T, dFF)
  return linear(g, g.within(prefix, () => activation(g, hidden, act)), `${prefix}.linear2`, linear2); // (B, T, dModel)
}
