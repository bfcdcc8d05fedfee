import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { trainModel } from "../../src/run/index.js";
import { averageCheckpoints } from "../../src/run/average.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";
import { f16ToF32Bits, f32ToF16Bits } from "../../src/models/half.js";

/** x through f16 and back, by the bit conversions the half-precision fixture checks against PyTorch. */
function halfOf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = f16ToF32Bits(f32ToF16Bits(u[0]));
  return f[0];
}

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");

test("average: two checkpoints of one run give their element-wise mean, written as a loadable folder", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "average-"));
  const run = path.join(tmp, "run");
  await trainModel(tinyOptions(smallCorpus(40, tmp), run, 4)); // saves at steps 2 and 4, keeps both
  const a = path.join(run, "checkpoints", "step-0000002");
  const b = path.join(run, "checkpoints", "step-0000004");
  const out = path.join(tmp, "avg");
  execFileSync(process.execPath, [CLI, "average", "--out", out, a, b], { encoding: "utf8" });
  const ta = readSafetensors(path.join(a, "model.safetensors")).tensors;
  const tb = readSafetensors(path.join(b, "model.safetensors")).tensors;
  const mean = readSafetensors(path.join(out, "model.safetensors")).tensors;
  assert.deepEqual([...mean.keys()].sort(), [...ta.keys()].sort());
  let moved = 0;
  for (const [name, t] of ta) {
    const u = tb.get(name)!.data;
    const m = mean.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) {
      assert.equal(m[i], Math.fround((t.data[i] + u[i]) / 2), `${name}[${i}]`);
      if (t.data[i] !== u[i]) moved++;
    }
  }
  assert.ok(moved > 1000, "the two checkpoints differ, so the mean is not one of them");
  // the folder translates: config and tokenizer came along
  const line = execFileSync(process.execPath, [CLI, "translate", "--checkpoint", out, "God is love."], { encoding: "utf8" });
  assert.ok(line.endsWith("\n"));
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes(".tmp")), [], "no temporary folder left");
});

test("average refuses checkpoints of different configs, and an --out that holds anything", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "average-"));
  const data = smallCorpus(40, tmp);
  const small = path.join(tmp, "a");
  const other = path.join(tmp, "b");
  await trainModel(tinyOptions(data, small, 2));
  await trainModel({ ...tinyOptions(data, other, 2), maxLen: 40 });
  assert.throws(() => averageCheckpoints([small, other]), /b: config\.json differs from .*a's at "max_len" \(40 against 48\)/);
  const busy = path.join(tmp, "busy");
  fs.mkdirSync(busy);
  fs.writeFileSync(path.join(busy, "notes.txt"), "mine");
  const r = spawnSync(process.execPath, [CLI, "average", "--out", busy, small, small], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^transformer: .*busy: holds notes\.txt; write the checkpoint to a new or empty folder\n$/);
  assert.equal(fs.readFileSync(path.join(busy, "notes.txt"), "utf8"), "mine");
});

test("average --dtype f16 writes half the bytes, each weight rounded as PyTorch's .half() does, and the folder translates", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "average-"));
  const run = path.join(tmp, "run");
  await trainModel(tinyOptions(smallCorpus(40, tmp), run, 2));
  const f32 = path.join(tmp, "f32");
  const f16 = path.join(tmp, "f16");
  execFileSync(process.execPath, [CLI, "average", "--out", f32, run], { encoding: "utf8" });
  execFileSync(process.execPath, [CLI, "average", "--out", f16, "--dtype", "f16", run], { encoding: "utf8" });
  const size = (d: string) => fs.statSync(path.join(d, "model.safetensors")).size;
  assert.ok(size(f16) < 0.51 * size(f32), `${size(f16)} bytes against ${size(f32)}`);
  const full = readSafetensors(path.join(f32, "model.safetensors")).tensors;
  const half = readSafetensors(path.join(f16, "model.safetensors")).tensors;
  for (const [name, t] of full) {
    const h = half.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) assert.equal(h[i], halfOf(t.data[i]), `${name}[${i}]`);
  }
  assert.equal(spawnSync(process.execPath, [CLI, "translate", "--checkpoint", f16, "God is love."], { encoding: "utf8" }).status, 0);
});

test("train --average-last K: at --steps, averaged/ holds the mean of the last K checkpoints; a resume to more steps makes it again", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "average-last-"));
  const data = smallCorpus(40, tmp);
  const run = path.join(tmp, "run");
  await trainModel({ ...tinyOptions(data, run, 6), keep: 3, averageLast: 3 });
  const meanOf = (steps: number[]) => {
    const ts = steps.map((s) => readSafetensors(path.join(run, "checkpoints", `step-000000${s}`, "model.safetensors")).tensors);
    const mean = readSafetensors(path.join(run, "averaged", "model.safetensors")).tensors;
    assert.deepEqual([...mean.keys()].sort(), [...ts[0].keys()].sort());
    for (const [name, m] of mean) {
      for (let i = 0; i < m.data.length; i++) {
        // float64 sum, one float32 rounding: the mean as averageCheckpoints defines it
        const want = Math.fround(ts.reduce((s, t) => s + t.get(name)!.data[i], 0) / steps.length);
        assert.equal(m.data[i], want, `${name}[${i}]`);
      }
    }
  };
  meanOf([2, 4, 6]);
  const line = execFileSync(process.execPath, [CLI, "translate", "--checkpoint", path.join(run, "averaged"), "God is love."], { encoding: "utf8" });
  assert.ok(line.endsWith("\n"));
  await trainModel({ resume: run, steps: 8 }); // averaged/ is the run's own: not refused as foreign, and replaced
  meanOf([4, 6, 8]);
  const saved = JSON.parse(fs.readFileSync(path.join(run, "training_state.json"), "utf8")) as { options: { steps: number; averageLast: number } };
  assert.deepEqual([saved.options.steps, saved.options.averageLast], [8, 3], "the kept --steps typed on resume is saved");
  assert.deepEqual(fs.readdirSync(run).filter((f) => f.startsWith(".")), [], "no temporary left");
  await assert.rejects(trainModel({ ...tinyOptions(data, path.join(tmp, "r2"), 6), keep: 2, averageLast: 3 }), /averageLast 3 needs keep 3 or more \(it is 2\)/);
});
