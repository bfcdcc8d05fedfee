import assert from "node:assert/strict";
import { test } from "node:test";
import { argmax } from "../../src/tensor/index.js";

test("argmax: the position of the largest value, the first among ties", () => {
  assert.equal(argmax([1, 3, 2]), 1);
  assert.equal(argmax(Float32Array.of(-4, -1, -7)), 1);
  assert.equal(argmax([5, 5, 1]), 0);
  assert.equal(argmax([1, 7, 7, 7]), 1);
  assert.equal(argmax([-Infinity, -Infinity, -3]), 2);
  assert.equal(argmax([42]), 0);
});

test("argmax over a row of a flat buffer counts from the row's start and looks nowhere else", () => {
  // rows of 4: [9, 0, 2, 2 | 1, 9, 3, 8]
  const logits = Float32Array.of(9, 0, 2, 2, 1, 9, 3, 8);
  assert.equal(argmax(logits, 0, 4), 0);
  assert.equal(argmax(logits, 1, 4), 1); // 0, 2, 2: the first 2
  assert.equal(argmax(logits, 4, 8), 1);
  assert.equal(argmax(logits, 6, 8), 1); // 3, 8
});
