import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { type Model, tokenBatch } from "../../src/models/index.js";
import { Adam } from "../../src/train/optimizer.js";
import { applyGradients, computeGradients, trainStep } from "../../src/train/step.js";
import type { TrainBatch } from "../../src/train/loss.js";

const REF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference/seq2seq_greedy");

/** A fresh copy of the reference model, in training mode, and its optimizer. */
function setup(): { model: Model; opt: Adam } {
  const { model } = loadCheckpoint(REF);
  model.train();
  return { model, opt: new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9 }) };
}

// the reference reverser's vocabulary: a source and its reversal
const batch: TrainBatch = { kind: "seq2seq", src: tokenBatch([[5, 6, 7, 2]]), tgtIn: tokenBatch([[1, 7, 6, 5]]), tgtOut: Int32Array.of(7, 6, 5, 2) };

const weights = (m: Model) => m.parameters().map((p) => Float32Array.from(p.data));

test("computeGradients leaves weights and moments as they were; with applyGradients it is trainStep", () => {
  const a = setup();
  const before = weights(a.model);
  const r = computeGradients(a.model, a.opt, [batch], { labelSmoothing: 0.1, clip: 1 });
  assert.ok(Number.isFinite(r.loss) && r.gradNorm > 0);
  assert.deepEqual(weights(a.model), before);
  assert.ok([...a.opt.slots.values()].every((s) => s.m.every((x) => x === 0)) && a.opt.stepCount === 0);
  applyGradients(a.opt, 1e-3);
  const b = setup();
  const r2 = trainStep(b.model, b.opt, [batch], { labelSmoothing: 0.1, clip: 1, lr: 1e-3 });
  assert.deepEqual(r2, r);
  assert.deepEqual(weights(a.model), weights(b.model));
  assert.notDeepEqual(weights(a.model), before);
});
