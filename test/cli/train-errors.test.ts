import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCheckpoint } from "../../src/models/checkpoint.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");

// the timeout turns a hang (recursive mkdir under /proc once spun forever) into a failure
function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
}

function train(...args: string[]) {
  return cli("train", ...args);
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
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
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

/** A small seq2seq corpus and the options of a quick run on it. */
function quick(): string[] {
  const f = path.join(tmp, "quick.tsv");
  fs.writeFileSync(f, ["english\tspanish", ...Array.from({ length: 12 }, (_, i) => `one ${i}\tuno ${i}`)].join("\n") + "\n");
  return ["--data", f, "--steps", "2", "--vocab-size", "300", "--max-len", "16"];
}

/** A read-only tmpfs mounted at a new folder, or null where mounting is not allowed (not root). */
function readOnlyMount(): string | null {
  const dir = fs.mkdtempSync(path.join(tmp, "ro-"));
  return spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir]).status === 0 ? dir : null;
}

test("an --out that cannot be written fails in one line, before the tokenizer is trained, and creates nothing", (t) => {
  const file = path.join(tmp, "a-file");
  fs.writeFileSync(file, "x");
  const cases: Array<[string, RegExp]> = [
    [file, /^transformer: --out .*a-file: is a file, not a folder$/],
    [path.join(file, "run"), /^transformer: --out .*a-file\/run: .*a-file: is a file, not a folder$/],
    ["/proc/x", /^transformer: --out \/proc\/x: cannot create the folder \(this file system does not allow it, ENOENT\)$/],
    ["/sys/x/run", /^transformer: --out \/sys\/x\/run: \/sys\/x: cannot create the folder \(.*(EPERM|EROFS|EACCES)\)$/],
  ];
  const ro = readOnlyMount();
  if (ro !== null) cases.push([ro, /^transformer: --out .*: cannot write in this folder \(read-only file system, EROFS\)$/]);
  else t.diagnostic("no read-only mount here (needs root): that case is not run");
  try {
    for (const [out, pattern] of cases) {
      const r = train(...quick(), "--out", out);
      assert.equal(r.status, 1, `${out}: ${r.stderr}`);
      assert.match(r.stderr.trim(), pattern);
      assert.doesNotMatch(r.stderr, /trained|\n\s+at /);
    }
    assert.equal(fs.readFileSync(file, "utf8"), "x");
    if (ro !== null) assert.deepEqual(fs.readdirSync(ro), []);
  } finally {
    if (ro !== null) spawnSync("umount", [ro]);
  }
});

test("--out holding a file a run does not write, or another run, is refused in one line", () => {
  const foreign = path.join(tmp, "photos");
  fs.mkdirSync(path.join(foreign, "best"), { recursive: true });
  fs.writeFileSync(path.join(foreign, "best", "photo.jpg"), "jpeg");
  oneLineError(train(...quick(), "--out", foreign), /--out .*photos: holds best\/photo\.jpg, which a run does not write; choose an empty or new folder/);
  const run = path.join(tmp, "a-run");
  assert.equal(train(...quick(), "--out", run).status, 0);
  oneLineError(train(...quick(), "--out", run), /--out .*a-run: holds a run already; give --resume .*a-run to continue it, or --overwrite to replace it/);
  assert.equal(train(...quick(), "--out", run, "--overwrite", "--seed", "2").status, 0);
});

test("a run that diverges exits non-zero with one line, and its last checkpoint still loads", () => {
  const run = path.join(tmp, "diverged");
  const r = train(...quick(), "--steps", "10", "--lr-factor", "1e30", "--out", run);
  assert.equal(r.status, 1, r.stderr);
  const last = r.stderr.trim().split("\n").at(-1)!;
  assert.match(last, /^transformer: step \d+: training diverged \(loss NaN, gradient norm NaN\); stopped before this update; .* still holds the checkpoint of step \d+\. Try a lower --lr-factor \(now 1e\+30\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at |finished/);
  assert.equal(cli("translate", "--checkpoint", run, "one 1").status, 0);
});

test("translate on a torn run folder names the checkpoint to use instead", () => {
  const run = path.join(tmp, "torn");
  assert.equal(train(...quick(), "--out", run, "--save-every", "1").status, 0);
  const model = path.join(run, "model.safetensors");
  const earlier = fs.readFileSync(path.join(run, "checkpoints", "step-0000001", "model.safetensors"));
  fs.rmSync(model);
  fs.writeFileSync(model, earlier);
  const r = cli("translate", "--checkpoint", run, "one 1");
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `transformer: ${run}: torn checkpoint (model.safetensors does not match manifest.json: an interrupted save?); the last complete one is ${run}/checkpoints/step-0000002 (use it as --checkpoint, or --resume ${run} to repair)`);
});

test("init --out follows the same rules: nothing foreign, nothing replaced without --overwrite, one line for a bad path", () => {
  const config = path.join(ROOT, "test/fixtures/reference/seq2seq_greedy/config.json");
  const init = (...a: string[]) => cli("init", "--config", config, ...a);
  const photos = path.join(tmp, "init-photos");
  fs.mkdirSync(photos);
  fs.writeFileSync(path.join(photos, "photo.jpg"), "jpeg");
  oneLineError(init("--out", photos), /--out .*init-photos: holds photo\.jpg, which a run does not write/);
  oneLineError(init("--out", "/proc/x"), /--out \/proc\/x: cannot create the folder/);
  oneLineError(init("--out", "/sys/.."), /--out \/sys\/\.\.: holds \S+, which a run does not write/);
  const out = path.join(tmp, "init-out");
  assert.equal(init("--out", out).status, 0);
  const first = fs.readFileSync(path.join(out, "model.safetensors"));
  oneLineError(init("--out", out, "--seed", "1"), /--out .*init-out: holds a checkpoint already; give --overwrite to replace it/);
  assert.ok(fs.readFileSync(path.join(out, "model.safetensors")).equals(first));
  assert.equal(init("--out", out, "--seed", "1", "--overwrite").status, 0);
  assert.ok(!fs.readFileSync(path.join(out, "model.safetensors")).equals(first));
  assert.deepEqual(fs.readdirSync(out).sort(), ["config.json", "model.safetensors"]); // init's folder has no manifest, and loads as ever
  loadCheckpoint(out);
});
