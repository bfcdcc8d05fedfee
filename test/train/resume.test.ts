import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { trainModel } from "../../src/run/index.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";

test("a 2-step run resumed to 4 steps ends byte-identical to a 4-step run (dropout on)", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "resume-"));
  const data = smallCorpus(40, tmp);
  const full = path.join(tmp, "full");
  const half = path.join(tmp, "half");
  await trainModel(tinyOptions(data, full, 4));
  await trainModel(tinyOptions(data, half, 2));
  const r = await trainModel({ ...tinyOptions(data, half, 4), resume: half });
  assert.equal(r.step, 4);
  for (const f of ["model.safetensors", "optimizer.safetensors", "tokenizer.json", "config.json"]) {
    assert.ok(fs.readFileSync(path.join(full, f)).equals(fs.readFileSync(path.join(half, f))), `${f} differs`);
  }
  const sa = JSON.parse(fs.readFileSync(path.join(full, "training_state.json"), "utf8"));
  const sb = JSON.parse(fs.readFileSync(path.join(half, "training_state.json"), "utf8"));
  assert.deepEqual([sb.step, sb.epoch, sb.batchInEpoch, sb.rng], [sa.step, sa.epoch, sa.batchInEpoch, sa.rng]);
  // and the weights really moved: training is not a no-op that would make the comparison vacuous
  const start = path.join(tmp, "zero");
  await trainModel(tinyOptions(data, start, 1));
  assert.ok(!fs.readFileSync(path.join(start, "model.safetensors")).equals(fs.readFileSync(path.join(full, "model.safetensors"))));
  // the run folder is a loadable checkpoint, with earlier ones kept (keep = 2) and the best
  loadCheckpoint(full);
  assert.deepEqual(fs.readdirSync(path.join(full, "checkpoints")).sort(), ["step-0000002", "step-0000004"]);
  loadCheckpoint(path.join(full, "best"));
  const metrics = fs.readFileSync(path.join(full, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(metrics.filter((m) => m.type === "train").length, 4);
  assert.ok(metrics.some((m) => m.type === "valid"));
  assert.match(fs.readFileSync(path.join(full, "loss.svg"), "utf8"), /<svg[\s\S]*polyline[\s\S]*validation/);
});

test("a resumed run refuses a changed model option", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "resume-"));
  const data = smallCorpus(20, tmp);
  const out = path.join(tmp, "run");
  await trainModel(tinyOptions(data, out, 1));
  await assert.rejects(
    trainModel({ ...tinyOptions(data, out, 2), preset: "small", resume: out }),
    /preset small differs from the resumed run's tiny/,
  );
});

test("a run saved when --batch-tokens counted both sides together is not resumed, and says why", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "resume-"));
  const data = smallCorpus(20, tmp);
  const out = path.join(tmp, "run");
  await trainModel(tinyOptions(data, out, 1));
  const file = path.join(out, "training_state.json");
  const state = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(state.batching, "per-side");
  // what an older version wrote: no batching field, and no manifests (nor checkpoints/ here)
  delete state.batching;
  fs.writeFileSync(file, JSON.stringify(state));
  fs.rmSync(path.join(out, "manifest.json"));
  fs.rmSync(path.join(out, "checkpoints"), { recursive: true });
  const before = fs.readFileSync(path.join(out, "model.safetensors"));
  await assert.rejects(trainModel({ ...tinyOptions(data, out, 2), resume: out }),
    /training_state\.json: saved by an older version whose --batch-tokens counted source and target tokens together/);
  assert.ok(fs.readFileSync(path.join(out, "model.safetensors")).equals(before), "nothing saved is touched");
  loadCheckpoint(out); // its weights still load
});
