import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { filterByLength, filterPairsByLength } from "../../src/data/index.js";

test("filterPairsByLength drops pairs too long on either side, and empty ones, and counts them", () => {
  const pairs = [
    { src: [1, 2, 3], tgt: [1, 2] }, // kept
    { src: [1, 2, 3, 4], tgt: [1] }, // source too long
    { src: [1], tgt: [1, 2, 3, 4] }, // target too long
    { src: [], tgt: [1] }, // empty source
    { src: [1, 2, 3], tgt: [1, 2, 3] }, // kept (both at the limit)
  ];
  const f = filterPairsByLength(pairs, { maxSrcLen: 3, maxTgtLen: 3 });
  assert.deepEqual(f.keptIndices, [0, 4]);
  assert.deepEqual(f.kept, [pairs[0], pairs[4]]);
  assert.equal(f.droppedTooLong, 2);
  assert.equal(f.droppedEmpty, 1);
  assert.throws(() => filterPairsByLength(pairs, { maxSrcLen: 0, maxTgtLen: 3 }), OptionError);
});

test("filterByLength keeps sequences of 1..maxLen tokens", () => {
  const f = filterByLength([[1], [], [1, 2, 3], Int32Array.of(4, 5)], 2);
  assert.deepEqual(f.keptIndices, [0, 3]);
  assert.equal(f.droppedTooLong, 1);
  assert.equal(f.droppedEmpty, 1);
});
