import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { accuracy, perplexity } from "../../src/eval/index.js";

test("perplexity is exp of the mean cross-entropy in nats", () => {
  assert.equal(perplexity(0), 1);
  assert.ok(Math.abs(perplexity(Math.log(50)) - 50) < 1e-9);
  assert.throws(() => perplexity(-1), OptionError);
  assert.throws(() => perplexity(Number.NaN), OptionError);
});

test("accuracy is the fraction of equal labels", () => {
  assert.equal(accuracy([1, 0, 2, 2], [1, 1, 2, 0]), 0.5);
  assert.equal(accuracy(Int32Array.from([3]), [3]), 1);
  assert.throws(() => accuracy([1, 2], [1]), OptionError);
  assert.throws(() => accuracy([], []), OptionError);
});
