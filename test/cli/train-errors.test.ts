import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");

function train(...args: string[]) {
  return spawnSync(process.execPath, [CLI, "train", ...args], { encoding: "utf8" });
}

/** Exit 1 with exactly one line on stderr matching `pattern`, and no stack trace. */
function oneLineError(r: ReturnType<typeof train>, pattern: RegExp): void {
  assert.notEqual(r.status, 0, r.stdout);
  const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("trained ") && !l.includes("npm warn"));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "train-cli-"));
const out = path.join(tmp, "out");

test("missing data file", () => {
  oneLineError(train("--data", path.join(tmp, "nope.tsv"), "--out", out, "--steps", "1"), /--data .*nope\.tsv: file not found/);
});

test("no --data for a new run; a resumed run defaults to its own files", () => {
  oneLineError(train("--out", out, "--steps", "1"), /--data is required/);
  const f = path.join(tmp, "resume-pairs.tsv");
  fs.writeFileSync(f, ["english\tspanish", ...Array.from({ length: 12 }, (_, i) => `one ${i}\tuno ${i}`)].join("\n") + "\n");
  const run = path.join(tmp, "resume-defaults");
  assert.equal(train("--data", f, "--valid", f, "--out", run, "--steps", "1", "--vocab-size", "300").status, 0);
  const r = train("--resume", run, "--steps", "2");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /resume-pairs\.tsv: \d+ examples/);
  assert.match(r.stdout + r.stderr, /validation loss/);
});

test("empty data file", () => {
  const f = path.join(tmp, "empty.tsv");
  fs.writeFileSync(f, "");
  oneLineError(train("--data", f, "--out", out, "--steps", "1"), /empty\.tsv.*empty/i);
});

test("malformed TSV row names file and line; --on-bad-row skip counts it", () => {
  const f = path.join(tmp, "bad.tsv");
  fs.writeFileSync(f, "english\tspanish\nhello\thola\nbroken row without tab\nbye\tadiós\n");
  oneLineError(train("--data", f, "--out", out, "--steps", "1", "--vocab-size", "300"), /bad\.tsv:3: /);
  assert.ok(!fs.existsSync(out), "nothing written when the data is refused");
});

test("unknown preset and unknown option", () => {
  const f = path.join(tmp, "ok.tsv");
  fs.writeFileSync(f, "english\tspanish\nhello\thola\n");
  oneLineError(train("--data", f, "--out", out, "--steps", "1", "--preset", "huge"), /--preset.*huge.*(tiny|Allowed)/);
  oneLineError(train("--data", f, "--out", out, "--steps", "1", "--frobnicate"), /unknown option '--frobnicate'/);
  oneLineError(train("--data", f, "--out", out, "--steps", "x"), /--steps.*expected an integer/);
  oneLineError(train("--data", f, "--out", out), /^transformer: --steps or --minutes is needed \(or both\)$/);
});

test("missing column lists the columns found", () => {
  const f = path.join(tmp, "cols.tsv");
  fs.writeFileSync(f, "en\tes\nhello\thola\n");
  oneLineError(train("--data", f, "--out", out, "--steps", "1"), /cols\.tsv.*english.*(en|found)/);
});

test("validation reports the loss with shuffled sources beside the real one (seq2seq)", () => {
  const f = path.join(tmp, "pairs.tsv");
  const rows = Array.from({ length: 30 }, (_, i) => `the house number ${i}\tla casa número ${i}`);
  fs.writeFileSync(f, ["english\tspanish", ...rows].join("\n") + "\n");
  const run = path.join(tmp, "shuffled");
  const r = train("--data", f, "--valid", f, "--out", run, "--steps", "2", "--eval-every", "2", "--vocab-size", "300", "--preset", "tiny");
  assert.equal(r.status, 0, r.stderr);
  // an untrained model cannot use its source yet, and the line says so
  assert.match(r.stdout + r.stderr, /validation loss \d+\.\d+ \(perplexity [\d.]+; with shuffled sources \d+\.\d+, [+-]\d+\.\d+: the model does not use its source yet\)/);
  const valid = fs.readFileSync(path.join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => m.type === "valid");
  assert.ok(valid.length > 0 && valid.every((m) => Number.isFinite(m.loss_shuffled_src)), JSON.stringify(valid));
});
