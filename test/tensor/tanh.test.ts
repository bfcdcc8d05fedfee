import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, Tensor } from "../../src/tensor/index.js";
import { tanh } from "../../src/tensor/ops/tanh.js";
import { gradcheck, randTensor } from "../helpers/gradcheck.js";

test("tanh (BERT's pooler): gradient by central differences; values at hand-computed points", () => {
  gradcheck("tanh", tanh, [randTensor(new Rng(3), [20], -3, 3)]);
  // tanh(0.5) = (e − 1)/(e + 1); tanh(−2) = −(e⁴ − 1)/(e⁴ + 1)
  const y = tanh(Tensor.from([0, 0.5, -2], [3])).data;
  assert.equal(y[0], 0);
  assert.ok(Math.abs(y[1] - (Math.E - 1) / (Math.E + 1)) < 1e-7);
  assert.ok(Math.abs(y[2] + (Math.E ** 4 - 1) / (Math.E ** 4 + 1)) < 1e-7);
});
