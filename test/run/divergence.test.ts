import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/backend/select.js";
import { DivergenceError, loadForInference, trainModel } from "../../src/run/index.js";
import { listing } from "./folders.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";

await useBackend();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "diverge-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const data = smallCorpus(40, tmp);

async function diverges(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DivergenceError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return true;
  });
}

/** The training state without what timing changes: its clock, and the log's length (its lines hold tokens/s). */
function state(dir: string): unknown {
  const { elapsedSeconds: _, metricsBytes: _m, ...s } = JSON.parse(fs.readFileSync(path.join(dir, "training_state.json"), "utf8"));
  return s;
}

test("a loss that is no longer finite stops the run before its update; the last checkpoint stays as it was", async () => {
  // lr-factor 1e30: step 1 is still finite (and saved), step 2's loss is not
  const opts = (out: string, steps: number) => ({ ...tinyOptions(data, out, steps), valid: undefined, lrFactor: 1e30, saveEvery: 1 });
  const out = path.join(tmp, "nan");
  await diverges(trainModel(opts(out, 10)), new RegExp(`^step 2: training diverged \\(loss NaN, gradient norm NaN\\); stopped before this update; ${out} still holds the checkpoint of step 1\\. Try a lower --lr-factor \\(now 1e\\+30\\) in a new run \\(--overwrite\\), or a lower --clip \\(now 1\\) with --resume ${out}$`));
  // what it holds is what a run of that one step writes
  const one = path.join(tmp, "one");
  await trainModel(opts(one, 1));
  for (const f of ["model.safetensors", "optimizer.safetensors", "checkpoints/step-0000001/model.safetensors"]) {
    assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(one, f))), f);
  }
  assert.deepEqual(state(out), { ...(state(one) as object), options: { ...(state(one) as { options: object }).options, out, steps: 10 } });
  assert.deepEqual(listing(out).filter((p) => !p.endsWith("loss.svg")), listing(one).filter((p) => !p.endsWith("loss.svg")));
  loadForInference(out);
});

test("weights that overflow float32 are never saved: the save is refused and the previous checkpoint stays", async () => {
  // lr-factor 1e40: the first update sends weights to Infinity while its loss and gradients were finite
  const out = path.join(tmp, "inf");
  await diverges(trainModel({ ...tinyOptions(data, out, 10), lrFactor: 1e40, saveEvery: 1, evalEvery: 100 }),
    /^step 1: training diverged \(weight \S+ holds (-?Infinity|NaN) at \d+\); not saved; .* still holds the checkpoint of step 0\. Try a lower --lr-factor \(now 1e\+40\)/);
  assert.deepEqual(fs.readdirSync(path.join(out, "checkpoints")), ["step-0000000"]);
  assert.ok(fs.readFileSync(path.join(out, "model.safetensors")).equals(fs.readFileSync(path.join(out, "checkpoints/step-0000000/model.safetensors"))));
  const { model } = loadForInference(out);
  assert.ok(model.parameters().every((p) => p.data.every(Number.isFinite)));
});

test("a validation loss that is not finite stops the run too, before it is saved as the best", async () => {
  // lr-factor 1e30 with an evaluation after step 1: finite weights, but too large for the model to give a number
  const out = path.join(tmp, "valid");
  await diverges(trainModel({ ...tinyOptions(data, out, 10), lrFactor: 1e30, evalEvery: 1, saveEvery: 5 }),
    /^step 1: training diverged \(validation loss NaN\); not saved; .* still holds the checkpoint of step 0\./);
  assert.equal(fs.existsSync(path.join(out, "best")), false);
  assert.deepEqual(fs.readdirSync(path.join(out, "checkpoints")), ["step-0000000"]);
});
