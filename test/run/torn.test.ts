import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { useBackend } from "../../src/backend/select.js";
import { CheckpointError } from "../../src/errors.js";
import { loadModel as loadCheckpoint } from "../../src/run/load.js";
import { loadForInference, trainModel } from "../../src/run/index.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";

await useBackend();

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torn-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const data = smallCorpus(40, tmp);
const opts = (out: string, steps: number) => ({ ...tinyOptions(data, out, steps), keep: 3 });

/** `f` throws one CheckpointError line, exactly `line`. */
function refusedWith(f: () => unknown, line: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.equal(e.message, line);
    return true;
  });
}

const same = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));

/** Puts a copy of `from` in place of `to` (a new file: the old one, linked from a checkpoint, is not written into). */
function swapIn(from: string, to: string): void {
  const bytes = fs.readFileSync(from);
  fs.rmSync(to);
  fs.writeFileSync(to, bytes);
}

function swapInText(to: string, text: string): void {
  fs.rmSync(to);
  fs.writeFileSync(to, text);
}

// one uninterrupted run to compare with
const full = path.join(tmp, "full");
await trainModel(opts(full, 8));

test("a run folder whose weights are another step's is refused in one line naming the checkpoint to use; --resume repairs it", async () => {
  const run = path.join(tmp, "a");
  await trainModel(opts(run, 6));
  swapIn(path.join(run, "checkpoints/step-0000002/model.safetensors"), path.join(run, "model.safetensors"));
  const line = `${run}: torn checkpoint (model.safetensors does not match manifest.json: an interrupted save?); the last complete one is ${run}/checkpoints/step-0000006 (use it as --checkpoint, or --resume ${run} to repair)`;
  refusedWith(() => loadForInference(run), line);
  refusedWith(() => loadCheckpoint(run), line);
  loadForInference(path.join(run, "checkpoints/step-0000006")); // the one named loads
  await trainModel({ ...opts(run, 8), resume: run });
  for (const f of ["model.safetensors", "optimizer.safetensors"]) assert.ok(same(path.join(run, f), path.join(full, f)), f);
  loadForInference(run);
});

test("a torn checkpoint folder is refused too, and --resume of its run continues from the newest complete one", async () => {
  const run = path.join(tmp, "b");
  await trainModel(opts(run, 6));
  // written in place: the top level and checkpoints/step-0000006 share the file (hard links), so both are torn
  fs.writeFileSync(path.join(run, "tokenizer.json"), fs.readFileSync(path.join(run, "tokenizer.json"), "utf8").replace("<pad>", "<PAD>"));
  const step6 = path.join(run, "checkpoints/step-0000006");
  refusedWith(() => loadForInference(step6),
    `${step6}: torn checkpoint (tokenizer.json does not match manifest.json: an interrupted save?); the last complete one is ${run}/checkpoints/step-0000004 (use it instead)`);
  await trainModel({ ...opts(run, 8), resume: run });
  for (const f of ["model.safetensors", "optimizer.safetensors"]) assert.ok(same(path.join(run, f), path.join(full, f)), f);
  loadForInference(step6); // saved again on the way
});

test("a missing, unlisted or unreadable manifest entry is torn too", () => {
  const run = path.join(tmp, "a"); // repaired above
  const step = path.join(tmp, "c");
  fs.cpSync(path.join(run, "checkpoints/step-0000008"), step, { recursive: true });
  loadForInference(step);
  fs.writeFileSync(path.join(step, "tokenizer.target.json"), "{}");
  refusedWith(() => loadForInference(step), `${step}: torn checkpoint (tokenizer.target.json is not listed in manifest.json: an interrupted save?)`);
  fs.rmSync(path.join(step, "tokenizer.target.json"));
  fs.rmSync(path.join(step, "config.json"));
  refusedWith(() => loadCheckpoint(step), `${step}: torn checkpoint (config.json is missing: an interrupted save?)`);
  fs.writeFileSync(path.join(step, "manifest.json"), "{\"format\": ");
  refusedWith(() => loadCheckpoint(step), `${step}: torn checkpoint (manifest.json is not valid JSON: an interrupted save?)`);
});

test("folders without a manifest load as before: the PyTorch reference fixtures, the tiny demo model", () => {
  loadCheckpoint(path.join(ROOT, "test/fixtures/reference/seq2seq_greedy"));
  loadForInference(path.join(ROOT, "test/fixtures/tiny-en-es"));
});

test("a run saved before manifests, whose top level was torn by a kill, resumes from its newest consistent checkpoint", async () => {
  const run = path.join(tmp, "old");
  await trainModel(opts(run, 6));
  for (const d of [run, ...fs.readdirSync(path.join(run, "checkpoints")).map((n) => path.join(run, "checkpoints", n)), path.join(run, "best")]) {
    fs.rmSync(path.join(d, "manifest.json"));
    fs.rmSync(path.join(d, "metrics.jsonl"), { force: true }); // the snapshots (the top level's is the log itself)
    const { bestStep: _b, evaluatedStep: _e, metricsBytes: _m, ...state } = JSON.parse(fs.readFileSync(path.join(d, "training_state.json"), "utf8"));
    swapInText(path.join(d, "training_state.json"), JSON.stringify(state));
  }
  fs.writeFileSync(path.join(run, "metrics.jsonl"), fs.readFileSync(path.join(full, "metrics.jsonl"))); // lines to step 8
  // what the old save order left when killed: weights and moments of step 6, the state of step 4
  swapIn(path.join(run, "checkpoints/step-0000004/training_state.json"), path.join(run, "training_state.json"));
  const r = await trainModel({ ...opts(run, 8), resume: run });
  assert.equal(r.step, 8);
  for (const f of ["model.safetensors", "optimizer.safetensors"]) assert.ok(same(path.join(run, f), path.join(full, f)), f);
  const steps = fs.readFileSync(path.join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => m.type === "train").map((m) => m.step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
});

test("a run saved before manifests whose weights and state disagree, with no checkpoint to fall back on, is refused in one line", async () => {
  const run = path.join(tmp, "old-alone");
  await trainModel(opts(run, 6));
  fs.rmSync(path.join(run, "manifest.json"));
  fs.rmSync(path.join(run, "checkpoints"), { recursive: true });
  fs.rmSync(path.join(run, "best"), { recursive: true });
  const state = JSON.parse(fs.readFileSync(path.join(run, "training_state.json"), "utf8"));
  swapInText(path.join(run, "training_state.json"), JSON.stringify({ ...state, step: 4 }));
  await assert.rejects(trainModel({ ...opts(run, 8), resume: run }), (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.equal(e.message, `${run}: torn checkpoint (training_state.json says step 4, model.safetensors step 6: an interrupted save?)`);
    return true;
  });
});
