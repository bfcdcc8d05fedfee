import assert from "node:assert/strict";
import { test } from "node:test";
import { MultiHeadAttention } from "../../src/nn/index.js";
import { Rng, Tensor } from "../../src/tensor/index.js";
import { assertNear, identity, setParam } from "./helpers.js";

/** Attention with W_Q = W_K = W_V = W_O = I and zero biases (plus `outBias`): what is left is softmax(QKᵀ/√d_k)·V. */
function bare(dModel: number, heads: number, outBias?: number[]): MultiHeadAttention {
  const mha = new MultiHeadAttention(dModel, heads, 0, new Rng(0));
  setParam(mha.inProjWeight, [...identity(dModel), ...identity(dModel), ...identity(dModel)]);
  setParam(mha.outProj.weight, identity(dModel));
  if (outBias) setParam(mha.outProj.bias!, outBias);
  return mha;
}

// x = [[1, 0], [0, 2]]: one head of d_k = 2 scores q·k/√2 = [[1/√2, 0], [0, 4/√2]]
const x = () => Tensor.from([1, 0, 0, 2], [1, 2, 2]);
const a = Math.exp(1 / Math.SQRT2);
const b = Math.exp(4 / Math.SQRT2);
// row 0: weights [a, 1]/(a + 1) over values [1, 0] and [0, 2]; row 1: [1, b]/(1 + b)
const row0 = [a / (a + 1), 2 / (a + 1)];
const row1 = [1 / (1 + b), (2 * b) / (1 + b)];

test("one head by hand: softmax(QKᵀ/√d_k)·V, then a causal mask, then a padded key", () => {
  assertNear(bare(2, 1).forward(x(), null).data, [...row0, ...row1], 1e-6, "no mask");
  // causal: query 0 sees only key 0
  assertNear(bare(2, 1).forward(x(), null, { causal: true }).data, [1, 0, ...row1], 1e-6, "causal");
  // key 1 is padding: every query sees only key 0
  assertNear(bare(2, 1).forward(x(), null, { keyPad: Uint8Array.of(0, 1) }).data, [1, 0, 1, 0], 1e-6, "padding");
});

test("two heads by hand: each attends over its own d_k = 1 slice, concatenated", () => {
  // head 0 reads column 0 ([1, 0]): scores [[1, 0], [0, 0]]; head 1 column 1 ([0, 2]): scores [[0, 0], [0, 4]]
  const e = Math.E, e4 = Math.exp(4);
  const want = [e / (e + 1), 1, 0.5, (2 * e4) / (1 + e4)];
  assertNear(bare(2, 2).forward(x(), null).data, want, 1e-6, "two heads");
});

test("a sequence whose keys are all padding attends to nothing: only W_O's bias is left", () => {
  const xs = Tensor.from([1, 0, 0, 2, 3, 1, 1, 3], [2, 2, 2]);
  const out = bare(2, 1, [0.5, -0.5]).forward(xs, null, { keyPad: Uint8Array.of(0, 1, 1, 1) });
  assertNear(out.data, [1.5, -0.5, 1.5, -0.5, 0.5, -0.5, 0.5, -0.5], 1e-6, "all keys padded");
});

/** Multi-head attention in float64 loops, from the parameters as PyTorch lays them out. */
function reference(mha: MultiHeadAttention, xs: Tensor, memory: Tensor | null, keyPad: Uint8Array | null, causal: boolean): number[] {
  const d = mha.dModel, h = mha.numHeads, dk = d / h;
  const [B, T] = xs.shape;
  const src = memory ?? xs;
  const S = src.shape[1];
  const W = mha.inProjWeight.data, bias = mha.inProjBias.data;
  const project = (t: Tensor, row: number, part: number): number[] =>
    Array.from({ length: d }, (_, o) => {
      let s = bias[part * d + o];
      for (let i = 0; i < d; i++) s += W[(part * d + o) * d + i] * t.data[row * d + i];
      return s;
    });
  const out: number[] = [];
  for (let bt = 0; bt < B; bt++) {
    const K = Array.from({ length: S }, (_, s) => project(src, bt * S + s, 1));
    const V = Array.from({ length: S }, (_, s) => project(src, bt * S + s, 2));
    for (let t = 0; t < T; t++) {
      const q = project(xs, bt * T + t, 0);
      const concat = new Array<number>(d).fill(0);
      for (let head = 0; head < h; head++) {
        const allowed = (s: number) => !(keyPad && keyPad[bt * S + s]) && !(causal && s > t);
        const scores = K.map((k, s) => {
          let dot = 0;
          for (let j = head * dk; j < (head + 1) * dk; j++) dot += q[j] * k[j];
          return allowed(s) ? dot / Math.sqrt(dk) : -Infinity;
        });
        const max = Math.max(...scores);
        const w = scores.map((z) => (z === -Infinity ? 0 : Math.exp(z - max)));
        const total = w.reduce((p, c) => p + c, 0);
        for (let s = 0; s < S; s++) for (let j = head * dk; j < (head + 1) * dk; j++) concat[j] += (total > 0 ? w[s] / total : 0) * V[s][j];
      }
      const Wo = mha.outProj.weight.data, bo = mha.outProj.bias!.data;
      for (let o = 0; o < d; o++) {
        let s = bo[o];
        for (let i = 0; i < d; i++) s += Wo[o * d + i] * concat[i];
        out.push(s);
      }
    }
  }
  return out;
}

test("random weights against a plain float64 computation: self-attention with causal and padding masks, cross-attention", () => {
  const rng = new Rng(4);
  const rand = (shape: number[]) => Tensor.from(Array.from({ length: shape.reduce((p, c) => p * c, 1) }, () => rng.uniform() * 2 - 1), shape);
  const mha = new MultiHeadAttention(8, 2, 0, new Rng(0));
  for (const p of [mha.inProjWeight, mha.inProjBias, mha.outProj.weight, mha.outProj.bias!]) p.data.set(rand([p.size]).data);
  const xs = rand([2, 3, 8]);
  const memory = rand([2, 4, 8]);
  const selfPad = Uint8Array.of(0, 0, 0, 0, 0, 1); // the second sequence's last token is padding
  const memPad = Uint8Array.of(0, 0, 0, 1, 0, 0, 1, 1);
  assertNear(mha.forward(xs, null, { keyPad: selfPad, causal: true }).data, reference(mha, xs, null, selfPad, true), 1e-5, "masked self-attention");
  assertNear(mha.forward(xs, null).data, reference(mha, xs, null, null, false), 1e-5, "self-attention");
  assertNear(mha.forward(xs, memory, { keyPad: memPad }).data, reference(mha, xs, memory, memPad, false), 1e-5, "cross-attention");
  assert.throws(() => mha.forward(xs, memory, { keyPad: selfPad }), /keyPad has 6 entries, expected 2×4/);
});
