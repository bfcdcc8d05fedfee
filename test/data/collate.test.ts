import assert from "node:assert/strict";
import { test } from "node:test";
import {
  collateDecoderOnly, collateEncoderOnly, collateSeq2Seq, decoderOnlyLengths, encoderOnlyLengths, lmWindows,
  seq2seqLengths, tokenStream,
} from "../../src/data/index.js";

const special = { pad: 0, bos: 1, eos: 2 }; // as in the reference cases

test("collateSeq2Seq pads sources and shifts the target right for the decoder input", () => {
  const pairs = [
    { src: [5, 6, 7], tgt: [8, 9] },
    { src: [10], tgt: [11, 12, 13] },
  ];
  const b = collateSeq2Seq(pairs, special);
  // targets with specials: [1 8 9 2] and [1 11 12 13 2]; T = 5 − 1 = 4
  assert.equal(b.batchSize, 2);
  assert.equal(b.srcLen, 3);
  assert.equal(b.tgtLen, 4);
  assert.deepEqual([...b.src], [5, 6, 7, /* row 2 */ 10, 0, 0]);
  assert.deepEqual([...b.tgtIn], [1, 8, 9, 0, /* row 2 */ 1, 11, 12, 13]);
  assert.deepEqual([...b.tgtOut], [8, 9, 2, 0, /* row 2 */ 11, 12, 13, 2]);
  assert.deepEqual([...b.srcLengths], [3, 1]);
  assert.deepEqual([...b.tgtLengths], [3, 4]);
  assert.equal(b.numTargetTokens, 7); // (2 + 1) + (3 + 1)
  // tgtIn[t + 1] = tgtOut[t] wherever both are tokens
  for (let r = 0; r < 2; r++) {
    for (let t = 0; t + 1 < b.tgtLengths[r]; t++) assert.equal(b.tgtIn[r * 4 + t + 1], b.tgtOut[r * 4 + t]);
  }
  const withEos = collateSeq2Seq(pairs, special, { srcEos: true });
  assert.deepEqual([...withEos.src], [5, 6, 7, 2, /* row 2 */ 10, 2, 0, 0]);
  assert.deepEqual(seq2seqLengths(pairs, { srcEos: true }), [[4, 3], [2, 4]]);
  assert.deepEqual(seq2seqLengths(pairs), [[3, 3], [1, 4]]);
});

test("collateDecoderOnly makes targets the inputs shifted left", () => {
  const b = collateDecoderOnly([[5, 6, 7], [8]], special);
  // full rows [1 5 6 7 2] and [1 8 2]; ids drop the last token, targets the first
  assert.equal(b.seqLen, 4);
  assert.deepEqual([...b.ids], [1, 5, 6, 7, /* row 2 */ 1, 8, 0, 0]);
  assert.deepEqual([...b.targets], [5, 6, 7, 2, /* row 2 */ 8, 2, 0, 0]);
  assert.deepEqual([...b.lengths], [4, 2]);
  assert.equal(b.numTargetTokens, 6);
  assert.deepEqual(decoderOnlyLengths([[5, 6, 7], [8]]), [4, 2]);
  const noEos = collateDecoderOnly([[5, 6, 7]], special, { addEos: false });
  assert.deepEqual([...noEos.ids], [1, 5, 6]);
  assert.deepEqual([...noEos.targets], [5, 6, 7]);
  assert.throws(() => collateDecoderOnly([[5]], special, { addBos: false, addEos: false }), RangeError);
});

test("collateEncoderOnly pads ids after bos and returns labels", () => {
  const b = collateEncoderOnly([{ ids: [4, 5, 6], label: 1 }, { ids: [7], label: 0 }], special);
  assert.deepEqual([...b.ids], [1, 4, 5, 6, /* row 2 */ 1, 7, 0, 0]);
  assert.deepEqual([...b.labels], [1, 0]);
  assert.deepEqual([...b.lengths], [4, 2]);
  assert.equal(b.seqLen, 4);
  assert.deepEqual(encoderOnlyLengths([{ ids: [4, 5, 6], label: 1 }], { addEos: true }), [5]);
  const plain = collateEncoderOnly([{ ids: [4], label: 2 }], special, { addBos: false, addEos: true });
  assert.deepEqual([...plain.ids], [4, 2]);
  assert.throws(() => collateEncoderOnly([{ ids: [4], label: -1 }], special), RangeError);
});

test("collation rejects the pad id inside text, non-ids and empty batches", () => {
  assert.throws(() => collateSeq2Seq([{ src: [5, 0], tgt: [6] }], special), /pad id/);
  assert.throws(() => collateSeq2Seq([{ src: [5.5], tgt: [6] }], special), RangeError);
  assert.throws(() => collateSeq2Seq([], special), RangeError);
});

test("tokenStream and lmWindows cut a corpus into overlapping LM windows", () => {
  const stream = tokenStream([[5, 6], [7, 8, 9]], { bos: 1, eos: 2 });
  assert.deepEqual([...stream], [1, 5, 6, 2, 1, 7, 8, 9, 2]);
  const windows = lmWindows(stream, 4);
  // windows of 5 tokens starting every 4: [1 5 6 2 1], [1 7 8 9 2]; nothing is left to predict after that
  assert.deepEqual(windows.map((w) => [...w]), [[1, 5, 6, 2, 1], [1, 7, 8, 9, 2]]);
  const b = collateDecoderOnly(windows, special, { addBos: false, addEos: false });
  assert.deepEqual([...b.ids], [1, 5, 6, 2, 1, 7, 8, 9]);
  assert.deepEqual([...b.targets], [5, 6, 2, 1, 7, 8, 9, 2]);
  // every stream token after the first is a target exactly once
  assert.deepEqual([...b.targets], [...stream.subarray(1)]);
  assert.deepEqual(lmWindows(stream, 3, { offset: 2 }).map((w) => [...w]), [[6, 2, 1, 7], [7, 8, 9, 2]]);
  assert.deepEqual(lmWindows(Int32Array.from([4]), 3), []);
});
