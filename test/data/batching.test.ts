import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { Rng, batchByTokens, paddedTokens } from "../../src/data/index.js";

/** Lengths drawn from a fixed generator: 500 pairs of 1..60 tokens. */
function somePairs(): [number, number][] {
  const rng = new Rng(7);
  return Array.from({ length: 500 }, () => {
    const s = 1 + rng.nextInt(60);
    return [s, Math.max(1, s + rng.nextInt(11) - 5)];
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

test("Rng is a deterministic uniform generator and shuffle permutes", () => {
  const a = new Rng(123);
  const b = new Rng(123);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  // mulberry32 from seed 0; pinned so that a change of generator (and so of every shuffle) is noticed
  const z = new Rng(0);
  assert.deepEqual([z.nextUint32(), z.nextUint32(), z.nextUint32()], PINNED_SEED0);
  const perm = new Rng(5).shuffle(Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual([...perm].sort((p, q) => p - q), Array.from({ length: 20 }, (_, i) => i));
  assert.throws(() => new Rng(1.5), OptionError);
});

const PINNED_SEED0 = [1144304738, 1416247, 958946056];
