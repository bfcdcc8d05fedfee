import { type TestContext, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/backend/select.js";
import { trainModel } from "../../src/run/index.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";
import { metricLines, seeded, temporaries } from "./kill-harness.js";

await useBackend();
// node loads its recursive rm lazily, taking fs functions as they are then: load it before any are replaced
fs.rmSync(fs.mkdtempSync(path.join(os.tmpdir(), "rm-")), { recursive: true });

/** The fs calls that change what is on disk: a kill can come between any two of them. */
const MUTATING = ["openSync", "writeSync", "writeFileSync", "appendFileSync", "renameSync", "linkSync", "copyFileSync", "unlinkSync", "rmSync", "rmdirSync", "mkdirSync", "truncateSync", "ftruncateSync", "fchmodSync"] as const;
/** The others the library uses: after the kill they fail too, so that nothing runs on as a dead process would not. */
const OTHERS = ["readFileSync", "readSync", "readdirSync", "statSync", "lstatSync", "fstatSync", "existsSync", "fsyncSync", "closeSync", "realpathSync"] as const;

/** A training state without what timing changes (its clock; the log's length, which holds tokens/s) and its folder's name. */
function untimed(file: string): unknown {
  const { elapsedSeconds: _, metricsBytes: _bytes, options: { out: _out, ...options }, ...rest } = JSON.parse(fs.readFileSync(file, "utf8"));
  return { ...rest, options };
}

/**
 * Replaces fs's functions (the library calls them through fs's default export) so that the `at`-th call that
 * changes the disk, and every fs call after it, throws: the disk stays exactly as a SIGKILL at that instant leaves
 * it. Returns the count of disk-changing calls made (all of them, with `at` Infinity).
 */
function killAt(t: TestContext, at: number): { calls: () => number; restore: () => void } {
  let calls = 0;
  let dead = false;
  const mocks = [...MUTATING, ...OTHERS].map((name) => {
    const real = (fs[name] as (...a: unknown[]) => unknown).bind(fs);
    return t.mock.method(fs, name, (...a: unknown[]) => {
      const reads = name === "openSync" && (a[1] === undefined || a[1] === "r");
      if (!dead && (MUTATING as readonly string[]).includes(name) && !reads && ++calls >= at) dead = true;
      if (dead) throw new Error(`killed before fs.${name}`);
      // a kill loses nothing that was written (the kernel has it), so flushing to the disk changes nothing here
      return name === "fsyncSync" ? undefined : real(...a);
    });
  });
  return { calls: () => calls, restore: () => mocks.forEach((m) => m.mock.restore()) };
}

test("a kill between any two file-system calls of a run (and another in the run started again) changes nothing about its end", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "crash-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const data = smallCorpus(40, tmp);
  // saves at 0, 2, 4, 6 and at each new best (evaluations at 3 and 6), keeping 2: commit, publish, best, prune
  const opts = (out: string) => ({ ...tinyOptions(data, out, 6), saveEvery: 2, evalEvery: 3, keep: 2 });
  const ref = path.join(tmp, "ref");
  const counting = killAt(t, Infinity);
  await trainModel(opts(ref));
  const total = counting.calls();
  counting.restore();
  // all of them take minutes: one call at random in each sixteenth of the run (CRASH_POINTS=all: every call)
  const seed = Date.now() % 1_000_000;
  const rng = seeded(seed);
  const points = process.env.CRASH_POINTS === "all"
    ? Array.from({ length: total }, (_, i) => i + 1)
    : Array.from({ length: 16 }, (_, k) => 1 + Math.floor(((k + rng()) * total) / 16));
  for (const at of points) {
    const out = path.join(tmp, `at-${at}`);
    const k = killAt(t, at);
    await assert.rejects(trainModel(opts(out)), /killed before fs\./, `kill at call ${at}`); // as it is, or inside a one-line error
    k.restore();
    // started again: with --resume once a checkpoint is committed (its folder's rename is the commit), else afresh;
    // and that start killed too, early (in its repairs) or late, before the last start runs to the end
    const again = () => {
      const committed = fs.existsSync(path.join(out, "checkpoints")) && fs.readdirSync(path.join(out, "checkpoints")).some((n) => /^step-\d+$/.test(n));
      return trainModel({ ...opts(out), ...(committed ? { resume: out } : {}) });
    };
    const k2 = killAt(t, 1 + Math.floor(rng() * total));
    await again().catch((e: Error) => assert.match(e.message, /killed before fs\./));
    k2.restore();
    await again();
    for (const f of ["model.safetensors", "optimizer.safetensors", "best/model.safetensors"]) {
      assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(ref, f))), `${f} differs after a kill at call ${at} of ${total} (seed ${seed})`);
    }
    assert.deepEqual(untimed(path.join(out, "training_state.json")), untimed(path.join(ref, "training_state.json")), `kill at ${at} (seed ${seed})`);
    assert.deepEqual(fs.readdirSync(path.join(out, "checkpoints")), fs.readdirSync(path.join(ref, "checkpoints")), `kill at ${at} (seed ${seed})`);
    assert.deepEqual(metricLines(out), metricLines(ref), `metrics.jsonl after a kill at call ${at}`);
    assert.deepEqual(temporaries(out), [], `kill at ${at} (seed ${seed})`);
    fs.rmSync(out, { recursive: true });
  }
  assert.ok(total > 100, `only ${total} disk-changing calls in a run: are they still made through fs's default export?`);
});
