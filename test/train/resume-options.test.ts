import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type AnySpec, type RunOptions, type TrainOptions, TRAIN_OPTIONS, TRAIN_OPTION_KEYS, newRunOptions, resumedRunOptions } from "../../src/run/options.js";
import { smallCorpus } from "../helpers/train-fixtures.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const train = (...args: string[]) => spawnSync(process.execPath, [CLI, "train", ...args], { encoding: "utf8" });

// Compile-time: the table has every option of TrainOptions, and nothing else.
type Missing = Exclude<keyof TrainOptions, keyof typeof TRAIN_OPTIONS>;
type Extra = Exclude<keyof typeof TRAIN_OPTIONS, keyof TrainOptions>;
const covered: [Missing, Extra] extends [never, never] ? true : false = true;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "resume-options-"));
const data = smallCorpus(40, tmp);
const other = path.join(tmp, "other.tsv");
fs.copyFileSync(data, other);

/** A valid value other than `v` for an option (its checks hold for both). */
function otherValue(k: keyof TrainOptions, v: unknown): unknown {
  const spec: AnySpec = TRAIN_OPTIONS[k];
  if (spec.choices) return spec.choices.find((c) => c !== v);
  switch (spec.type) {
    case "integer": return (v as number | undefined ?? 1) + 1;
    case "number": return v === undefined || v === 0 ? 0.5 : (v as number) / 2;
    case "boolean": return !v;
    case "file": return v === data ? other : data;
    default: return `${String(v)}-2`;
  }
}

const kinds = (kind: AnySpec["kind"]) => TRAIN_OPTION_KEYS.filter((k) => TRAIN_OPTIONS[k].kind === kind);

test("the table gives every option a kind, and its default passes its own checks", () => {
  assert.ok(covered);
  assert.deepEqual([...kinds("fixed"), ...kinds("kept"), ...kinds("sitting")].sort(), [...TRAIN_OPTION_KEYS].sort());
  const o = newRunOptions({ data, out: tmp, steps: 1 }); // every default, resolved and checked
  assert.equal(o.lrFactor, 1, "a default that depends on another option (the preset's noam factor)");
  for (const k of TRAIN_OPTION_KEYS) if (TRAIN_OPTIONS[k].default !== undefined && typeof TRAIN_OPTIONS[k].default !== "function") assert.equal(o[k], TRAIN_OPTIONS[k].default, k);
});

test("resume: kept options are restored unless given, sitting ones are not, fixed ones are kept and a change refused", () => {
  const first: Partial<TrainOptions> = { data, out: tmp, steps: 2, minutes: 5, valid: data };
  for (const k of kinds("kept")) first[k] = otherValue(k, first[k] ?? TRAIN_OPTIONS[k].default) as never;
  const saved = newRunOptions(first);
  const resume = path.join(tmp, "moved");
  const r = resumedRunOptions(saved, { resume, steps: 10 });
  for (const k of kinds("kept")) if (k !== "steps") assert.equal(r[k], saved[k], `${k} is restored`);
  assert.equal(r.steps, 10);
  assert.equal(r.minutes, undefined, "minutes belong to the sitting that gave them");
  assert.equal(r.out, resume, "the run is written where it is resumed from");
  assert.equal(resumedRunOptions(saved, { resume, out: tmp }).out, tmp);
  assert.equal(resumedRunOptions(saved, { resume }).steps, 3, "without --steps, a resumed run continues to its own total");
  assert.equal(resumedRunOptions(saved, { resume, clip: 0.25 }).clip, 0.25, "a kept option given again holds");
  for (const k of kinds("fixed")) {
    assert.equal(r[k], saved[k], `${k} is kept`);
    assert.equal(resumedRunOptions(saved, { resume, [k]: saved[k] })[k], saved[k], `${k} given unchanged is fine`);
    assert.throws(() => resumedRunOptions(saved, { resume, [k]: otherValue(k, saved[k]) }),
      new RegExp(`: ${k} .*differs from the resumed run's.*keeps its model and data options$`), k);
  }
  // a kept option given again is checked again
  assert.throws(() => resumedRunOptions(saved, { resume, clip: 0 }), /: clip must be positive, got 0$/);
});

test("resume: a run saved before an option existed gets the option's default", () => {
  const saved: Partial<RunOptions> = newRunOptions({ data, out: tmp, steps: 2, clip: 0.5 });
  delete saved.clip;
  delete saved.labelCol;
  const r = resumedRunOptions(saved, { resume: tmp, labelCol: "label" });
  assert.equal(r.clip, 1);
  assert.equal(r.labelCol, "label");
});

test("--resume DIR --steps 4 repeating no other flag equals a straight 4-step run, byte for byte", () => {
  // a malformed row that only --on-bad-row skip gets past: a resume that forgot it would stop on it
  const file = path.join(tmp, "with-bad-row.tsv");
  fs.writeFileSync(file, fs.readFileSync(data, "utf8") + "a row without its tab\n");
  const common = ["--data", file, "--valid", data, "--vocab-size", "300", "--max-len", "48", "--batch-tokens", "300", "--warmup", "4", "--seed", "3",
    "--clip", "0.5", "--save-every", "1", "--keep", "10", "--eval-every", "1", "--log-every", "1", "--valid-batches", "1", "--on-bad-row", "skip"];
  const straight = path.join(tmp, "straight");
  const half = path.join(tmp, "half");
  for (const r of [train(...common, "--out", straight, "--steps", "4"), train(...common, "--out", half, "--steps", "2"), train("--resume", half, "--steps", "4")]) {
    assert.equal(r.status, 0, r.stderr);
  }
  const bytes = (...p: string[]) => fs.readFileSync(path.join(...p));
  for (const f of ["model.safetensors", "optimizer.safetensors"]) assert.ok(bytes(straight, f).equals(bytes(half, f)), `${f} differs`);
  const steps = fs.readdirSync(path.join(straight, "checkpoints")).sort();
  // a new run commits its step 0 before training (a kill before the first save still leaves a run to resume)
  assert.deepEqual(steps, ["step-0000000", "step-0000001", "step-0000002", "step-0000003", "step-0000004"], "--save-every 1 and --keep 10");
  assert.deepEqual(fs.readdirSync(path.join(half, "checkpoints")).sort(), steps);
  for (const s of steps) assert.ok(bytes(straight, "checkpoints", s, "model.safetensors").equals(bytes(half, "checkpoints", s, "model.safetensors")), s);
  const metrics = (dir: string) => fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => {
    const m = JSON.parse(l);
    return [m.type, m.step, m.loss];
  });
  assert.deepEqual(metrics(half), metrics(straight), "--log-every 1, --eval-every 1 and --valid-batches 1 on every line");
  // a fixed option typed again with another value: one line, as typed
  for (const [args, line] of [[["--seed", "5"], "--seed 5 differs from the resumed run's 3"], [["--separate-vocab"], "--separate-vocab differs from the resumed run's setting"]]) {
    const r = train("--resume", half, "--steps", "5", ...args);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `transformer: ${line}; a resumed run keeps its model and data options\n`);
  }
  // and the options that shaped this run really matter: with the default clip the weights come out otherwise
  const unclipped = path.join(tmp, "unclipped");
  assert.equal(train(...common, "--out", unclipped, "--steps", "4", "--clip", "1").status, 0);
  assert.ok(!bytes(unclipped, "model.safetensors").equals(bytes(straight, "model.safetensors")), "--clip 0.5 binds");
});
