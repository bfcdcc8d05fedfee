import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/backend/select.js";
import { trainModel } from "../../src/run/index.js";
import { metricLines } from "./kill-harness.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";

await useBackend();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "metrics-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const data = smallCorpus(40, tmp);
const opts = (out: string, steps: number) => ({ ...tinyOptions(data, out, steps), keep: 5 });
const full = path.join(tmp, "full");
await trainModel(opts(full, 8));

/** Each step's train line and each evaluation's valid line, once, in order: the same as the uninterrupted run's. */
function sameHistory(dir: string): void {
  const lines = metricLines(dir);
  assert.deepEqual(lines, metricLines(full));
  assert.deepEqual(lines.map((l) => l.split(" ").slice(0, 2).join(" ")),
    ["train 1", "train 2", "valid 2", "train 3", "train 4", "valid 4", "train 5", "train 6", "valid 6", "train 7", "train 8", "valid 8"]);
}

test("resumed from checkpoints/step-N into its run, metrics.jsonl keeps the lines up to N and then those of the steps done", async () => {
  const run = path.join(tmp, "a");
  await trainModel(opts(run, 6));
  await trainModel({ ...opts(run, 8), resume: path.join(run, "checkpoints/step-0000006") });
  sameHistory(run);
  // from an earlier one (--overwrite drops what came after it): its lines, not the later ones twice
  await trainModel({ ...opts(run, 8), resume: path.join(run, "checkpoints/step-0000004"), overwrite: true });
  sameHistory(run);
});

test("lines logged after the last save (a run killed between saves) are dropped on resume", async () => {
  const run = path.join(tmp, "b");
  await trainModel(opts(run, 6));
  // the final evaluation's line, logged after the save of step 6 (then killed): the resumed run evaluates step 6 again
  fs.appendFileSync(path.join(run, "metrics.jsonl"), `{"type":"valid","step":6,"loss":1}\n{"type":"train","st`);
  await trainModel({ ...opts(run, 8), resume: run });
  sameHistory(run);
});

test("a run resumed into a new folder takes its history along", async () => {
  const run = path.join(tmp, "c");
  await trainModel(opts(run, 6));
  const moved = path.join(tmp, "moved");
  await trainModel({ ...opts(moved, 8), resume: path.join(run, "checkpoints/step-0000004") });
  sameHistory(moved);
  assert.ok(fs.readFileSync(path.join(moved, "model.safetensors")).equals(fs.readFileSync(path.join(full, "model.safetensors"))));
});

test("metrics.jsonl lost or cut short: a checkpoint's own snapshot brings its history back", async () => {
  const run = path.join(tmp, "d");
  await trainModel(opts(run, 6));
  fs.rmSync(path.join(run, "metrics.jsonl"));
  await trainModel({ ...opts(run, 8), resume: run });
  sameHistory(run);
});

test("with checkpoints/ deleted, the position the top level's state records cuts the log", async () => {
  const run = path.join(tmp, "e");
  await trainModel(opts(run, 6));
  fs.rmSync(path.join(run, "checkpoints"), { recursive: true });
  fs.appendFileSync(path.join(run, "metrics.jsonl"), `{"type":"valid","step":6,"loss":1}\n`); // logged after the save
  await trainModel({ ...opts(run, 8), resume: run });
  sameHistory(run);
});
