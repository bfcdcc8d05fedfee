import assert from "node:assert/strict";
import { test } from "node:test";
import { PositionalEncoding, sinusoidalPositions } from "../../src/nn/index.js";
import { Tensor } from "../../src/tensor/index.js";
import { assertNear, setParam } from "./helpers.js";

/** float32's rounding of values of magnitude ≤ 1. */
const F32 = 2 ** -24;

test("sinusoidal table, d_model 4: PE[pos] = sin(pos), cos(pos), sin(pos/100), cos(pos/100) (10000^(2/4) = 100)", () => {
  const pe = sinusoidalPositions(3, 4);
  assertNear(pe, [
    0, 1, 0, 1,
    Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01),
    Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02),
  ], F32, "PE");
});

test("sinusoidal table: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(same), odd d_model too", () => {
  for (const [maxLen, d] of [[50, 16], [7, 5]]) {
    const pe = sinusoidalPositions(maxLen, d);
    const want: number[] = [];
    for (let pos = 0; pos < maxLen; pos++) {
      for (let j = 0; j < d; j++) {
        const i = Math.floor(j / 2);
        const angle = pos * 10000 ** (-(2 * i) / d);
        want.push(j % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
      }
    }
    assertNear(pe, want, 2 * F32, `PE ${maxLen}×${d}`);
  }
});

test("PositionalEncoding adds the rows of its positions, from `offset`, to every sequence of the batch", () => {
  const pos = new PositionalEncoding("sinusoidal", 4, 4);
  const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8], [2, 2, 4]);
  const y = pos.forward(x, 1); // positions 1 and 2
  const pe = sinusoidalPositions(4, 4);
  const want = Array.from(x.data, (v, i) => v + pe[4 + (i % 8)]);
  assertNear(y.data, want, 8 * F32, "x + PE[1..2]");
  assert.throws(() => pos.forward(x, 3), (e: Error) => e instanceof RangeError && /positions 3\.\.4 exceed the model's max_len 4/.test(e.message));
});

test("learned positions: a table of parameters, added by position; forwardAt gives each token its own", () => {
  const pos = new PositionalEncoding("learned", 3, 2);
  assert.ok(pos.weight);
  setParam(pos.weight, [10, 20, 30, 40, 50, 60]);
  const x = Tensor.from([1, 1, 2, 2], [1, 2, 2]);
  assert.deepEqual(Array.from(pos.forward(x).data), [11, 21, 32, 42]);
  assert.deepEqual(Array.from(pos.forward(x, 1).data), [31, 41, 52, 62]);
  // a left-padded row starts at position 0 at its first real token
  assert.deepEqual(Array.from(pos.forwardAt(x, Int32Array.of(2, 0)).data), [51, 61, 12, 22]);
});
