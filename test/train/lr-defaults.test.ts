import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { jsBackend, setBackend } from "../../src/backend/index.js";
import { createNativeBackend, nativeAvailable } from "../../src/backend/native/index.js";
import { trainModel } from "../../src/run/index.js";
import { presetLrFactor } from "../../src/train/presets.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";

/** noam, written out by hand: f · d^-0.5 · min(step^-0.5, step · warmup^-1.5). */
const noam = (f: number, d: number, step: number, warmup: number) => f * d ** -0.5 * Math.min(step ** -0.5, step * warmup ** -1.5);

test("a run without --lr-factor takes its preset's, records it, and keeps it when resumed; an explicit one wins", async () => {
  // the small preset's 5.8M parameters train in seconds natively, not on the reference backend
  if (nativeAvailable()) setBackend(await createNativeBackend({ threads: 1 }));
  try {
    await checkDefaults();
  } finally {
    setBackend(jsBackend);
  }
});

async function checkDefaults(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lr-defaults-"));
  const data = smallCorpus(24, dir);
  const lrs = async (out: string, preset: string, lrFactor: number | undefined, steps: number, resume?: string) => {
    const seen: number[] = [];
    const opts = { ...tinyOptions(data, out, steps), preset, lrFactor, valid: undefined, evalEvery: 100, saveEvery: 100 };
    await trainModel(resume ? { ...opts, resume } : opts, { log: (e) => seen.push(e.lr) });
    const saved = JSON.parse(fs.readFileSync(path.join(out, "training_state.json"), "utf8")).options.lrFactor;
    return { seen, saved };
  };
  const small = await lrs(path.join(dir, "small"), "small", undefined, 2);
  assert.equal(small.saved, 0.5);
  assert.ok(Math.abs(small.seen[1] - noam(0.5, 256, 2, 4)) < 1e-12, `step 2: ${small.seen[1]}`);
  const resumed = await lrs(path.join(dir, "small"), "small", undefined, 3, path.join(dir, "small"));
  assert.ok(Math.abs(resumed.seen[0] - noam(0.5, 256, 3, 4)) < 1e-12, `resumed step 3: ${resumed.seen[0]}`);
  const tiny = await lrs(path.join(dir, "tiny"), "tiny", undefined, 1);
  assert.equal(tiny.saved, 1);
  assert.ok(Math.abs(tiny.seen[0] - noam(1, 64, 1, 4)) < 1e-12);
  const explicit = await lrs(path.join(dir, "explicit"), "small", 0.8, 1);
  assert.equal(explicit.saved, 0.8);
  assert.ok(Math.abs(explicit.seen[0] - noam(0.8, 256, 1, 4)) < 1e-12);
  assert.deepEqual([presetLrFactor("tiny"), presetLrFactor("small"), presetLrFactor("base")], [1, 0.5, 0.25]);
  assert.throws(() => presetLrFactor("huge"), /unknown preset "huge"/);
  await assert.rejects(lrs(path.join(dir, "bad"), "tiny", 0, 1), /lrFactor must be positive, got 0/);
  fs.rmSync(dir, { recursive: true, force: true });
}
