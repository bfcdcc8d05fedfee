import assert from "node:assert/strict";
import { test } from "node:test";
import { DecoderLayer, EncoderLayer, type LayerOptions, type MultiHeadAttention } from "../../src/nn/index.js";
import { Rng, Tensor } from "../../src/tensor/index.js";
import { assertNear, identity, layerNormRow, setParam } from "./helpers.js";

/*
 * Sublayers simple enough to follow by hand: attention with zero projections and value bias `value` gives
 * `value` at every position (a weighted mean of equal rows), whatever its input; the feed-forward network with
 * W1 = W2 = I and zero biases is ReLU. What is left to see is where each LayerNorm and residual sits.
 */
const D = 4;
const EPS = 1e-5;
const opts = (normFirst: boolean): LayerOptions => ({ dModel: D, numHeads: 2, dFF: D, dropout: 0.1, activation: "relu", normFirst, layerNormEps: EPS });

function constantAttention(mha: MultiHeadAttention, value: number[]): void {
  setParam(mha.inProjBias, [0, 0, 0, 0, 0, 0, 0, 0, ...value]); // b_Q, b_K zero; b_V = value
  setParam(mha.outProj.weight, identity(D));
}

function reluFeedForward(layer: EncoderLayer | DecoderLayer): void {
  setParam(layer.linear1.weight, identity(D));
  setParam(layer.linear2.weight, identity(D));
}

const plus = (u: number[], v: number[]) => u.map((x, i) => x + v[i]);
const relu = (u: number[]) => u.map((x) => Math.max(0, x));
const rowsOf = (t: number[], n: number) => Array.from({ length: t.length / n }, (_, r) => t.slice(r * n, (r + 1) * n));

const X = [0.5, -1, 2, 0, 1, 1, -2, 3]; // (1, 2, 4)
const A1 = [1, 0, -1, 0.5];
const A2 = [0, 2, 0, -3];

test("EncoderLayer, post-LN (the paper): x = LN(x + SelfAttn(x)), then LN(x + FFN(x))", () => {
  const layer = new EncoderLayer(opts(false), new Rng(0)).eval();
  constantAttention(layer.selfAttn, A1);
  reluFeedForward(layer);
  const want = rowsOf(X, D).flatMap((x) => {
    const y = layerNormRow(plus(x, A1), EPS);
    return layerNormRow(plus(y, relu(y)), EPS);
  });
  assertNear(layer.forward(Tensor.from(X, [1, 2, D]), { keyPad: null }).data, want, 1e-5, "post-LN");
});

test("EncoderLayer, pre-LN: x = x + SelfAttn(LN(x)), then x + FFN(LN(x)); no norm after the last residual", () => {
  const layer = new EncoderLayer(opts(true), new Rng(0)).eval();
  constantAttention(layer.selfAttn, A1);
  reluFeedForward(layer);
  const want = rowsOf(X, D).flatMap((x) => {
    const y = plus(x, A1);
    return plus(y, relu(layerNormRow(y, EPS)));
  });
  assertNear(layer.forward(Tensor.from(X, [1, 2, D]), { keyPad: null }).data, want, 1e-5, "pre-LN");
});

test("DecoderLayer: self-attention, then cross-attention over the memory, then the feed-forward; post-LN and pre-LN", () => {
  const memory = Tensor.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], [1, 3, D]);
  const y = Tensor.from(X, [1, 2, D]);
  const post = new DecoderLayer(opts(false), new Rng(0)).eval();
  const pre = new DecoderLayer(opts(true), new Rng(0)).eval();
  for (const layer of [post, pre]) {
    constantAttention(layer.selfAttn, A1);
    constantAttention(layer.crossAttn, A2);
    reluFeedForward(layer);
  }
  const wantPost = rowsOf(X, D).flatMap((x) => {
    const z = layerNormRow(plus(layerNormRow(plus(x, A1), EPS), A2), EPS);
    return layerNormRow(plus(z, relu(z)), EPS);
  });
  const wantPre = rowsOf(X, D).flatMap((x) => {
    const z = plus(plus(x, A1), A2);
    return plus(z, relu(layerNormRow(z, EPS)));
  });
  assertNear(post.forward(y, memory, { tgtKeyPad: null, memKeyPad: null }).data, wantPost, 1e-5, "post-LN");
  assertNear(pre.forward(y, memory, { tgtKeyPad: null, memKeyPad: null }).data, wantPre, 1e-5, "pre-LN");
  assert.notDeepEqual(wantPost, wantPre);
});
