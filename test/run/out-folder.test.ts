import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/backend/select.js";
import { OptionError } from "../../src/errors.js";
import { trainModel } from "../../src/run/index.js";
import { removeRunFiles } from "../../src/run/folder.js";
import { listing, tree } from "./folders.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";

await useBackend();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "out-folder-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const data = smallCorpus(40, tmp);
let n = 0;
const fresh = () => path.join(tmp, `f${n++}`);

/** Rejects with one OptionError line matching `pattern`. */
async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof OptionError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return true;
  });
}

test("--out holding anything a run does not write is refused, naming the first such file, and nothing there changes", async () => {
  const out = fresh();
  fs.mkdirSync(path.join(out, "best"), { recursive: true });
  fs.writeFileSync(path.join(out, "config.json"), "{\"mine\": true}\n");
  fs.writeFileSync(path.join(out, "metrics.jsonl"), "my notes\n");
  fs.writeFileSync(path.join(out, "best", "photo.jpg"), "jpeg");
  const before = tree(out);
  await refused(trainModel(tinyOptions(data, out, 1)), new RegExp(`^--out ${out}: holds best/photo\\.jpg, which a run does not write; choose an empty or new folder$`));
  await refused(trainModel({ ...tinyOptions(data, out, 1), overwrite: true }), /holds best\/photo\.jpg, which a run does not write/);
  assert.deepEqual(tree(out), before);
  // a link is not a run's either, even under a run's name
  const linked = fresh();
  fs.mkdirSync(linked);
  fs.symlinkSync(path.join(out, "config.json"), path.join(linked, "model.safetensors"));
  await refused(trainModel(tinyOptions(data, linked, 1)), /holds model\.safetensors, which a run does not write/);
});

test("a new run into a run folder is refused unless --resume or --overwrite; the run stays as it was", async () => {
  const out = fresh();
  await trainModel(tinyOptions(data, out, 2));
  const before = tree(out);
  await refused(trainModel({ ...tinyOptions(data, out, 2), seed: 9 }), new RegExp(`^--out ${out}: holds a run already; give --resume ${out} to continue it, or --overwrite to replace it$`));
  assert.deepEqual(tree(out), before);
});

test("--overwrite replaces a run with the new one, leaving exactly what the new run writes", async () => {
  const out = fresh();
  await trainModel({ ...tinyOptions(data, out, 4), saveEvery: 1, keep: 5 }); // more checkpoints than the new run keeps
  const old = fs.readFileSync(path.join(out, "model.safetensors"));
  await trainModel({ ...tinyOptions(data, out, 2), seed: 9, overwrite: true });
  const alone = fresh();
  await trainModel({ ...tinyOptions(data, alone, 2), seed: 9 });
  assert.deepEqual(listing(out), listing(alone));
  assert.ok(fs.readFileSync(path.join(out, "model.safetensors")).equals(fs.readFileSync(path.join(alone, "model.safetensors"))));
  assert.ok(!fs.readFileSync(path.join(out, "model.safetensors")).equals(old));
});

test("--overwrite still refuses a folder holding a file a run does not write, and deletes nothing", async () => {
  const out = fresh();
  await trainModel(tinyOptions(data, out, 1));
  fs.writeFileSync(path.join(out, "checkpoints", "notes.txt"), "mine");
  const before = tree(out);
  await refused(trainModel({ ...tinyOptions(data, out, 1), overwrite: true }), /holds checkpoints\/notes\.txt, which a run does not write/);
  assert.deepEqual(tree(out), before);
});

test("the temporaries of a killed save, and only they, are removed at the next start; a best/ moved aside comes back", async () => {
  const out = fresh();
  await trainModel({ ...tinyOptions(data, out, 2), keep: 3 });
  const before = tree(out);
  const planted = [
    ".model.safetensors.4242.0123456789ab.tmp", // a file being written or published
    ".write-probe.4242.0123456789ab.tmp",
    "checkpoints/.step-0000003.tmp-4242/model.safetensors", // a checkpoint being built
    "checkpoints/.step-0000001.del-4242/config.json", // a checkpoint being pruned
    "checkpoints/step-0000002/.optimizer.safetensors.4242.abcdefabcdef.tmp",
    "checkpoints/step-0000001.tmp-77/training_state.json", // the names of versions before manifests
    "best.tmp-77/config.json",
    ".best.tmp-4242/model.safetensors",
  ];
  for (const p of planted) {
    fs.mkdirSync(path.dirname(path.join(out, p)), { recursive: true });
    fs.writeFileSync(path.join(out, p), "partial");
  }
  await trainModel({ ...tinyOptions(data, out, 2), keep: 3, resume: out });
  assert.deepEqual(listing(out), listing(out).filter((p) => !/tmp|del-/.test(p)));
  assert.deepEqual(Object.keys(tree(out)).sort(), Object.keys(before).sort());
  // best/ renamed aside by a save killed before its replacement arrived
  fs.renameSync(path.join(out, "best"), path.join(out, ".best.old-4242"));
  await trainModel({ ...tinyOptions(data, out, 2), keep: 3, resume: out });
  assert.deepEqual(tree(path.join(out, "best")), Object.fromEntries(Object.entries(before).filter(([p]) => p.startsWith("best/")).map(([p, h]) => [p.slice(5), h])));
});

test("a run resumed from its own earlier checkpoint refuses to discard later ones without --overwrite", async () => {
  const out = fresh();
  await trainModel({ ...tinyOptions(data, out, 4), keep: 5 });
  const before = tree(out);
  const step2 = path.join(out, "checkpoints", "step-0000002");
  await refused(trainModel({ ...tinyOptions(data, out, 4), resume: step2 }),
    new RegExp(`^--resume ${step2}: ${out} has checkpoints newer than its step 2 \\(step-0000004\\); give --overwrite to discard them, or another --out$`));
  assert.deepEqual(tree(out), before);
  // with --overwrite they go, best/ too when it came after: a later --resume must not pick them up
  await trainModel({ ...tinyOptions(data, out, 3), evalEvery: 100, resume: step2, overwrite: true });
  assert.deepEqual(fs.readdirSync(path.join(out, "checkpoints")), ["step-0000002", "step-0000003"]);
  assert.ok(JSON.parse(fs.readFileSync(path.join(out, "best", "training_state.json"), "utf8")).step <= 3, "best/ is not the discarded step 4's");
  // and --out cannot be a checkpoint inside a run
  await refused(trainModel({ ...tinyOptions(data, step2, 4), resume: step2 }), new RegExp(`^--out ${step2}: is a checkpoint inside the run ${out}; give --out ${out}$`));
});

test("removing a run refuses, deleting nothing, when anything in the folder is not a run's", async () => {
  const out = fresh();
  await trainModel(tinyOptions(data, out, 1));
  fs.writeFileSync(path.join(out, "best", "notes.txt"), "mine");
  const before = tree(out);
  assert.throws(() => removeRunFiles(out), /holds best\/notes\.txt, which a run does not write/);
  assert.deepEqual(tree(out), before);
});

test("a best/ that a version before manifests moved aside (best.old-PID) is put back at the next start", async () => {
  const out = fresh();
  await trainModel(tinyOptions(data, out, 2));
  // such a run: no manifests, no best step in its state; and killed between its two renames of best/
  for (const d of [out, path.join(out, "best"), ...fs.readdirSync(path.join(out, "checkpoints")).map((n) => path.join(out, "checkpoints", n))]) {
    fs.rmSync(path.join(d, "manifest.json"));
    const file = path.join(d, "training_state.json");
    const { bestStep: _b, evaluatedStep: _e, metricsBytes: _m, ...state } = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.rmSync(file);
    fs.writeFileSync(file, JSON.stringify(state));
  }
  const best = tree(path.join(out, "best"));
  fs.renameSync(path.join(out, "best"), path.join(out, "best.old-77"));
  await trainModel({ ...tinyOptions(data, out, 2), resume: out });
  assert.deepEqual(tree(path.join(out, "best")), best);
  assert.ok(!fs.existsSync(path.join(out, "best.old-77")));
});
