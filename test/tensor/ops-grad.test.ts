import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Rng, Tensor, add, sub, mul, div, scale, sum, mean, maskedMeanPool, reshape, narrow, concat, transpose,
  linear, matmul, layerNorm, relu, gelu, geluTanh, softmax, embedding, dropout, crossEntropy,
} from "../../src/tensor/index.js";
import { gradcheck, randTensor } from "../helpers/gradcheck.js";

const rng = new Rng(7);

test("elementwise ops with broadcasting", () => {
  const cases: Array<[number[], number[]]> = [[[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [4]], [[2, 3, 4], [1, 3, 4]], [[2, 1, 4], [3, 1]], [[3], []], [[1, 3], [2, 1]]];
  for (const [sa, sb] of cases) {
    const a = randTensor(rng, sa);
    const b = randTensor(rng, sb, 0.5, 1.5); // away from 0 for div
    gradcheck(`add ${sa}+${sb}`, add, [a, b]);
    gradcheck(`sub ${sa}-${sb}`, sub, [a, b]);
    gradcheck(`mul ${sa}*${sb}`, mul, [a, b]);
    gradcheck(`div ${sa}/${sb}`, div, [a, b]);
  }
  gradcheck("scale", (x) => scale(x, -2.5), [randTensor(rng, [3, 5])]);
});

test("broadcast forward matches hand-computed values", () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([10, 20, 30], [3]);
  assert.deepEqual(Array.from(add(a, b).data), [11, 22, 33, 14, 25, 36]);
  const c = Tensor.from([1, -1], [2, 1]);
  assert.deepEqual(Array.from(mul(a, c).data), [1, 2, 3, -4, -5, -6]);
  assert.throws(() => add(a, Tensor.from([1, 2], [2])), /cannot broadcast/);
});

test("reductions and pooling", () => {
  gradcheck("sum", sum, [randTensor(rng, [2, 3])]);
  gradcheck("mean", mean, [randTensor(rng, [4, 3])]);
  const pad = Uint8Array.from([0, 0, 1, 0, 0, 0, 1, 1]); // (2, 4)
  gradcheck("maskedMeanPool", (x) => maskedMeanPool(x, pad), [randTensor(rng, [2, 4, 3])]);
  gradcheck("maskedMeanPool without a mask", (x) => maskedMeanPool(x, null), [randTensor(rng, [3, 2, 5])]);
  // sentence 1 is all padding: its output is 0 and none of its positions gets a gradient
  gradcheck("maskedMeanPool, a sentence all padding", (x) => maskedMeanPool(x, Uint8Array.from([0, 1, 0, 1, 1, 1])), [randTensor(rng, [2, 3, 2])]);
  const x = Tensor.from([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10, 100, 100, 100, 100], [2, 4, 2]);
  assert.deepEqual(Array.from(maskedMeanPool(x, Uint8Array.from([0, 0, 1, 0, 0, 0, 1, 1])).data), [(1 + 3 + 5) / 3, (2 + 4 + 6) / 3, 8, 9]);
});

test("shape ops", () => {
  gradcheck("reshape", (x) => mul(reshape(x, [3, -1]), reshape(x, [3, 4])), [randTensor(rng, [2, 6])]);
  gradcheck("narrow dim0", (x) => narrow(x, 0, 1, 2), [randTensor(rng, [4, 3])]);
  gradcheck("narrow dim1", (x) => narrow(x, 1, 2, 3), [randTensor(rng, [2, 6, 2])]);
  gradcheck("concat", (a, b) => concat([a, b], 1), [randTensor(rng, [2, 3, 2]), randTensor(rng, [2, 1, 2])]);
  gradcheck("transpose", (x) => transpose(x, 1, 2), [randTensor(rng, [2, 3, 4])]);
  gradcheck("transpose 4-D, outer dims", (x) => transpose(x, 0, 3), [randTensor(rng, [2, 3, 1, 4])]);
  gradcheck("transpose 5-D, d1 > d2", (x) => transpose(x, 3, 1), [randTensor(rng, [2, 2, 3, 2, 3])]);
  // against the definition, index by index: out[..., i, ..., j, ...] = x[..., j, ..., i, ...]
  for (const [shape, d1, d2] of [[[2, 3, 4, 5, 6], 1, 3], [[3, 1, 4, 2], 0, 2], [[5, 7], 1, 0], [[2, 3, 4], 2, 2], [[1, 1], 0, 1]] as Array<[number[], number, number]>) {
    const x = randTensor(rng, shape);
    const y = transpose(x, d1, d2);
    const outShape = shape.slice();
    [outShape[d1], outShape[d2]] = [shape[d2], shape[d1]];
    assert.deepEqual(y.shape, outShape);
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < y.size; i++) {
      const src = idx.slice();
      [src[d1], src[d2]] = [idx[d2], idx[d1]];
      const at = src.reduce((off, v, k) => off * shape[k] + v, 0);
      assert.equal(y.data[i], x.data[at], `transpose [${shape}] ${d1}, ${d2}: element ${i}`);
      for (let k = shape.length - 1; k >= 0 && ++idx[k] === outShape[k]; k--) idx[k] = 0;
    }
  }
  assert.throws(() => transpose(randTensor(rng, [2, 3]), 0, 2), /^Error: transpose: dimension 2 is outside the 2 of \[2, 3\]$/);
  const t = transpose(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]), 0, 1);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(Array.from(t.data), [1, 4, 2, 5, 3, 6]);
});

test("linear and matmul", () => {
  gradcheck("linear 3-D input with bias", linear, [randTensor(rng, [2, 3, 5]), randTensor(rng, [4, 5]), randTensor(rng, [4])]);
  gradcheck("linear without bias", (x, w) => linear(x, w, null), [randTensor(rng, [3, 5]), randTensor(rng, [2, 5])]);
  gradcheck("matmul batched", (a, b) => matmul(a, b), [randTensor(rng, [2, 3, 4]), randTensor(rng, [2, 4, 5])]);
  gradcheck("matmul transB", (a, b) => matmul(a, b, { transB: true }), [randTensor(rng, [2, 3, 4]), randTensor(rng, [2, 5, 4])]);
  gradcheck("matmul shared 2-D b", (a, b) => matmul(a, b), [randTensor(rng, [2, 3, 4]), randTensor(rng, [4, 2])]);
  gradcheck("matmul shared 2-D b transB", (a, b) => matmul(a, b, { transB: true }), [randTensor(rng, [2, 3, 4]), randTensor(rng, [2, 4])]);
  // hand-computed: [[1,2],[3,4]] · Wᵀ with W = [[1,0],[1,1]] + b = [0.5, -1]
  const y = linear(Tensor.from([1, 2, 3, 4], [2, 2]), Tensor.from([1, 0, 1, 1], [2, 2]), Tensor.from([0.5, -1], [2]));
  assert.deepEqual(Array.from(y.data), [1.5, 2, 3.5, 6]);
});

test("layer norm, activations, softmax", () => {
  gradcheck("layerNorm", (x, g, b) => layerNorm(x, g, b, 1e-5), [randTensor(rng, [3, 6]), randTensor(rng, [6], 0.5, 1.5), randTensor(rng, [6])]);
  // relu's kink at 0 breaks finite differences: keep inputs away from it
  const r = randTensor(rng, [20]);
  for (let i = 0; i < r.size; i++) r.data[i] = (r.data[i] < 0 ? -0.2 : 0.2) + r.data[i];
  gradcheck("relu", relu, [r]);
  gradcheck("gelu", gelu, [randTensor(rng, [20], -3, 3)]);
  gradcheck("geluTanh", geluTanh, [randTensor(rng, [20], -3, 3)]);
  gradcheck("softmax", softmax, [randTensor(rng, [3, 5], -2, 2)]);
  const ln = layerNorm(Tensor.from([1, 2, 3, 4], [1, 4]), Tensor.from([1, 1, 1, 1], [4]), Tensor.from([0, 0, 0, 0], [4]), 0);
  const sd = Math.sqrt(1.25); // var of 1..4 = 1.25
  ln.data.forEach((v, i) => assert.ok(Math.abs(v - (i + 1 - 2.5) / sd) < 1e-6));
  assert.ok(Math.abs(gelu(Tensor.from([1], [1])).data[0] - 0.8413447460685429) < 1e-6); // 1·Φ(1)
  // PyTorch's gelu(x, approximate="tanh") in float64 at 1, -2.5 and 0.3
  geluTanh(Tensor.from([1, -2.5, 0.3], [3])).data.forEach((v, i) => assert.ok(Math.abs(v - [0.8411919906082768, -0.015084266089998577, 0.18537092354275922][i]) < 1e-7));
});

test("embedding with repeated ids", () => {
  const ids = Int32Array.from([2, 0, 2, 3]);
  gradcheck("embedding", (t) => embedding(t, ids, [2, 2]), [randTensor(rng, [4, 3])]);
  assert.throws(() => embedding(randTensor(rng, [4, 3]), Int32Array.from([4]), [1]), /outside the vocabulary/);
});

test("dropout with a fixed mask", () => {
  gradcheck("dropout", (x) => dropout(x, 0.3, new Rng(5)), [randTensor(rng, [4, 5])]);
  const y = dropout(Tensor.from(new Array(1000).fill(1), [1000]), 0.25, new Rng(1));
  const zeros = y.data.filter((v) => v === 0).length;
  assert.ok(zeros > 180 && zeros < 320, `dropped ${zeros} of 1000 at p=0.25`);
  assert.ok(y.data.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
});

test("cross-entropy with label smoothing and ignore index", () => {
  const targets = Int32Array.from([1, 0, 4, 2, 0]);
  gradcheck("crossEntropy", (l) => crossEntropy(l, targets, { ignoreIndex: 0, labelSmoothing: 0.1 }), [randTensor(rng, [5, 5], -2, 2)]);
  gradcheck("crossEntropy plain", (l) => crossEntropy(l, targets), [randTensor(rng, [5, 5], -2, 2)]);
  // hand-computed: logits [0, ln 3] → p = [1/4, 3/4]; target 1, ε = 0.2:
  // 0.8·(−ln 3/4) + 0.2·mean(−ln 1/4, −ln 3/4)
  const l = crossEntropy(Tensor.from([0, Math.log(3)], [1, 2]), Int32Array.of(1), { labelSmoothing: 0.2 });
  const expected = 0.8 * -Math.log(0.75) + 0.2 * 0.5 * (-Math.log(0.25) - Math.log(0.75));
  assert.ok(Math.abs(l.item() - expected) < 1e-6, `${l.item()} vs ${expected}`);
  assert.throws(() => crossEntropy(Tensor.from([0, 0], [1, 2]), Int32Array.of(5)), /target 5 in row 0/);
});

test("gradcheck itself catches a wrong backward", async () => {
  const { record } = await import("../../src/tensor/autograd.js");
  // d/dx x² is 2x; this op claims 3x
  const wrongSquare = (x: Tensor): Tensor => record(x.data.map((v) => v * v), x.shape, [x], (o) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < gx.length; i++) gx[i] += 3 * x.data[i] * o.grad![i];
  });
  assert.throws(() => gradcheck("wrong", wrongSquare, [randTensor(rng, [3], 0.5, 1)]), /finite difference/);
});
