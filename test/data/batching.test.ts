import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { batchByTokens, paddedTokens } from "../../src/data/index.js";
import { Rng } from "../../src/tensor/index.js";

/** Lengths drawn from a fixed generator: 500 pairs of 1..60 tokens. */
function somePairs(): [number, number][] {
  const rng = new Rng(7);
  return Array.from({ length: 500 }, () => {
    const s = 1 + rng.int(60);
    return [s, Math.max(1, s + rng.int(11) - 5)];
  });
}

function assertPartition(batches: number[][], n: number): void {
  const seen = batches.flat().sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i), "every example exactly once");
}

test("batchByTokens keeps every example once and respects the budget on each side of pairs", () => {
  const lengths = somePairs();
  for (const maxTokens of [130, 1000, 4096]) {
    const batches = batchByTokens(lengths, { maxTokens, shuffle: true, seed: 3 });
    assertPartition(batches, lengths.length);
    for (const b of batches) {
      assert.ok(b.length > 0);
      const s = Math.max(...b.map((i) => lengths[i][0]));
      const t = Math.max(...b.map((i) => lengths[i][1]));
      assert.ok(b.length * s <= maxTokens && b.length * t <= maxTokens, `batch of ${b.length} × max(${s}, ${t}) > ${maxTokens}`);
      assert.equal(paddedTokens(lengths, b), b.length * Math.max(s, t));
    }
  }
});

test("batchByTokens groups similar lengths and fills batches", () => {
  const lengths = Array.from({ length: 100 }, (_, i) => (i * 37) % 50 + 1); // 1..50, twice each
  const batches = batchByTokens(lengths, { maxTokens: 100, shuffle: false });
  assertPartition(batches, 100);
  // without shuffling, batches come in length order, and each is as large as the budget allows
  const maxima = batches.map((b) => Math.max(...b.map((i) => lengths[i])));
  assert.deepEqual(maxima, [...maxima].sort((a, b) => a - b));
  batches.slice(0, -1).forEach((b, k) => {
    const next = lengths[batches[k + 1][0]];
    assert.ok((b.length + 1) * Math.max(maxima[k], next) > 100, "the next example would not have fit");
  });
});

test("batchByTokens is deterministic for a seed and varies with it", () => {
  const lengths = somePairs();
  const a = batchByTokens(lengths, { maxTokens: 800, shuffle: true, seed: 42 });
  const b = batchByTokens(lengths, { maxTokens: 800, shuffle: true, seed: 42 });
  const c = batchByTokens(lengths, { maxTokens: 800, shuffle: true, seed: 43 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(batchByTokens(lengths, { maxTokens: 800, shuffle: true }), batchByTokens(lengths, { maxTokens: 800, shuffle: true, seed: 0 }));
});

test("batchByTokens honours maxExamples and rejects impossible budgets", () => {
  const batches = batchByTokens(new Array(10).fill(1), { maxTokens: 1000, shuffle: false, maxExamples: 4 });
  assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
  assert.throws(() => batchByTokens([[3, 4], [20, 110]], { maxTokens: 100, shuffle: false }),
    (e: Error) => e instanceof OptionError && /example 1 alone takes 110 padded tokens, more than maxTokens 100/.test(e.message));
  // per side: pairs of 60 + 60 tokens fit a budget of 60 one at a time, and the longer side decides
  assert.deepEqual(batchByTokens([[60, 60], [60, 60]], { maxTokens: 60, shuffle: false }), [[0], [1]]);
  assert.deepEqual(batchByTokens([[10, 30], [10, 30], [10, 30]], { maxTokens: 60, shuffle: false }), [[0, 1], [2]]);
  assert.throws(() => batchByTokens([1], { maxTokens: 0, shuffle: false }), OptionError);
  assert.throws(() => batchByTokens([1], { maxTokens: 10, shuffle: false, maxExamples: 0 }), OptionError);
  assert.deepEqual(batchByTokens([], { maxTokens: 10, shuffle: true }), []);
});

test("batch order comes from mulberry32 and stays as it was (a resumed run rebuilds its batches from the seed)", () => {
  // pinned: another generator or order of draws would change the batches of every saved run
  const lengths = Array.from({ length: 12 }, (_, i) => 1 + (i % 4));
  assert.deepEqual(batchByTokens(lengths, { maxTokens: 8, shuffle: true, seed: 3 }), PINNED_SEED3);
  assert.deepEqual(new Rng(3, "mulberry32").shuffle(Array.from({ length: 10 }, (_, i) => i)), [9, 5, 6, 1, 2, 4, 8, 3, 0, 7]);
});

const PINNED_SEED3 = [[11, 3], [10, 7], [9, 1], [2, 6], [4, 0, 8, 5]];
