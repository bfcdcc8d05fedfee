import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type PairExample } from "../../src/data/index.js";
import { Rng } from "../../src/tensor/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { pairsDataset } from "../../src/architectures/seq2seq.js";
import { evaluate } from "../../src/eval/index.js";

const REF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference/seq2seq_greedy");
/** The reference seq2seq checkpoint, trained by PyTorch to reverse its input (source ids 3..10; pad 0, bos 1, eos 2). */
const reverser = loadCheckpoint(REF).model;
const SPECIAL = { pad: 0, bos: 1, eos: 2 };

function reversals(n: number, seed: number): PairExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const src = Array.from({ length: 5 }, () => 3 + rng.int(8));
    return { src, tgt: [...src].reverse() };
  });
}

test("evaluate: a model that reads its source loses much more with shuffled sources", () => {
  const r = evaluate(reverser, pairsDataset(reversals(24, 1), SPECIAL), 60, 0);
  assert.ok(r.shuffledSourceLoss !== undefined);
  // reversing needs the source: the right one makes the targets easy, another sentence's makes them unlikely
  assert.ok(r.loss < 0.5, `loss ${r.loss}`);
  assert.ok(r.shuffledSourceLoss > r.loss + 1, `shuffled ${r.shuffledSourceLoss} vs ${r.loss}`);
});

test("evaluate: with one source for every target, shuffling sources changes nothing", () => {
  // every pair shares one source, so rotating sources within a batch is the identity: the two losses must agree
  const same = reversals(24, 2).map((p) => ({ src: [4, 5, 6, 7, 8], tgt: p.tgt }));
  const r = evaluate(reverser, pairsDataset(same, SPECIAL), 60, 0);
  assert.ok(Math.abs(r.shuffledSourceLoss! - r.loss) < 1e-6, `${r.shuffledSourceLoss} vs ${r.loss}`);
  assert.ok(r.loss > 1, "the targets are not the reversed source, so the loss is high");
});
