import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");
const FIXTURES = path.join(ROOT, "test/fixtures/reference");

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

test("conformance passes all reference cases and exits 0", () => {
  const dirs = fs.readdirSync(FIXTURES).map((d) => path.join(FIXTURES, d));
  const r = run("conformance", ...dirs);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.filter((l) => l.startsWith("ok ")).length, dirs.length);
  assert.match(lines.at(-1)!, new RegExp(`^${dirs.length} passed, 0 failed$`));
});

test("init writes a checkpoint that conformance-style loading accepts; bad input is one line, exit 1", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-"));
  const out = path.join(dir, "ckpt");
  const r = run("init", "--config", path.join(FIXTURES, "decoder_only_preln_gelu/config.json"), "--out", out, "--seed", "5");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(out, "model.safetensors")));
  const bad = path.join(dir, "bad.json");
  fs.writeFileSync(bad, JSON.stringify({ architecture: "seq2seq", d_model: 10, num_heads: 3 }));
  const e = run("init", "--config", bad, "--out", path.join(dir, "x"));
  assert.equal(e.status, 1);
  assert.equal(e.stderr.trim().split("\n").length, 1, e.stderr);
  assert.match(e.stderr, /^transformer: .*bad\.json: /);
  assert.ok(!fs.existsSync(path.join(dir, "x")), "nothing written for a bad config");
  const u = run("frobnicate");
  assert.notEqual(u.status, 0);
  assert.match(u.stderr, /unknown command/);
});
