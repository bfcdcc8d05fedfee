import assert from "node:assert/strict";
import { test } from "node:test";
import { Embedding } from "../../src/nn/index.js";
import { setParam } from "./helpers.js";

test("Embedding looks up each id's row and multiplies it by √d_model (paper §3.4)", () => {
  const table = [0, 0, 0, 0, 1, -2, 0.5, 3, 0.25, 0, -1, 2]; // 3 tokens × d_model 4; √4 = 2
  const scaled = new Embedding(3, 4, true);
  setParam(scaled.weight, table);
  const y = scaled.forward(Int32Array.of(1, 2, 1, 0), [2, 2]);
  assert.deepEqual(y.shape, [2, 2, 4]);
  assert.deepEqual(Array.from(y.data), [2, -4, 1, 6, 0.5, 0, -2, 4, 2, -4, 1, 6, 0, 0, 0, 0]);

  const plain = new Embedding(3, 4, false);
  setParam(plain.weight, table);
  assert.deepEqual(Array.from(plain.forward(Int32Array.of(2, 1), [1, 2]).data), [0.25, 0, -1, 2, 1, -2, 0.5, 3]);

  const nine = new Embedding(1, 9, true); // √9 = 3
  setParam(nine.weight, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(nine.forward(Int32Array.of(0), [1, 1]).data), [3, 6, 9, 12, 15, 18, 21, 24, 27]);
});
