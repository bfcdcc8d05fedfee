import { test } from "node:test";
import assert from "node:assert/strict";
import { floats, withSlabs } from "../../src/tensor/index.js";
import { VARIANTS, tinySeq2Seq } from "../generate/models.js";
import { Seq2SeqStepDecoder } from "../../src/models/step-decoder.js";
import { tokenBatch } from "../../src/models/batch.js";

test("floats: outside withSlabs, and for sizes out of the slab range, a new array of its own", () => {
  for (const n of [0, 1, 31, 300]) {
    const a = floats(n);
    assert.equal(a.length, n);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 4 * n);
  }
  withSlabs(() => {
    for (const n of [1, 31, 16_385, 100_000]) {
      const a = floats(n);
      assert.equal(a.byteOffset, 0, `${n} floats`);
      assert.equal(a.buffer.byteLength, 4 * n, `${n} floats`);
    }
  });
});

test("floats: inside withSlabs, zeroed, disjoint, cache-line aligned views that are never handed out twice", () => {
  const views = withSlabs(() => {
    const out: Float32Array[] = [];
    // more than one 1 MiB slab's worth, in sizes across the range
    for (let i = 0; i < 300; i++) out.push(floats([32, 33, 256, 1000, 16_384][i % 5]));
    return out;
  });
  assert.ok(views.some((v) => v.buffer.byteLength > 4 * v.length), "some outputs are views into a slab");
  assert.ok(new Set(views.map((v) => v.buffer)).size > 1, "a full slab is followed by a new one");
  const seen = new Map<ArrayBufferLike, Array<[number, number]>>();
  views.forEach((v, i) => {
    assert.equal(v.byteOffset % 64, 0, `view ${i} starts on a cache line`);
    assert.ok(v.every((x) => x === 0), `view ${i} is zero`);
    v.fill(i + 1); // any overlap with an earlier view shows below
    const ranges = seen.get(v.buffer) ?? [];
    for (const [lo, hi] of ranges) assert.ok(v.byteOffset >= hi || v.byteOffset + v.byteLength <= lo, `view ${i} overlaps another`);
    ranges.push([v.byteOffset, v.byteOffset + v.byteLength]);
    seen.set(v.buffer, ranges);
  });
  views.forEach((v, i) => assert.ok(v.every((x) => x === i + 1), `view ${i} kept its values`));
  // nesting, and an exception inside, leave the scope as it was
  assert.throws(() => withSlabs(() => withSlabs(() => { throw new Error("inner"); })), /inner/);
  assert.equal(floats(256).buffer.byteLength, 1024);
});

test("decoding output kept from one step is not overwritten by the steps after it", () => {
  const model = tinySeq2Seq(VARIANTS[0], 3, { d_model: 32, src_vocab_size: 40, tgt_vocab_size: 40, max_len: 64 });
  const dec = new Seq2SeqStepDecoder(model, tokenBatch([[5, 6, 7, 8]], 0));
  const kept = [dec.start()]; // (1, 40) each
  assert.ok(kept[0].buffer.byteLength > kept[0].byteLength, "the logits are views into a slab");
  const copies = [kept[0].slice()];
  for (let t = 0; t < 40; t++) {
    kept.push(dec.step([3 + (t % 30)]));
    copies.push(kept[kept.length - 1].slice());
  }
  kept.forEach((l, t) => assert.deepEqual(Array.from(l), Array.from(copies[t]), `step ${t}`));
});
