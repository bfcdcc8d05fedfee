/** `transformer conformance` says which backend the cases ran on: first on stdout, or in the JSON (and on stderr) with --json. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");
const CASE = path.join(ROOT, "test/fixtures/reference/seq2seq_greedy");

function conformance(backend: string, ...flags: string[]) {
  return spawnSync(process.execPath, [CLI, "conformance", CASE, ...flags], {
    encoding: "utf8", env: { ...process.env, TRANSFORMER_BACKEND: backend, TRANSFORMER_THREADS: "1" },
  });
}

test("conformance prints the backend it ran on, first", () => {
  const js = conformance("js");
  assert.equal(js.status, 0, js.stdout + js.stderr);
  assert.equal(js.stdout.split("\n")[0], "backend: js");
  const wasm = conformance("wasm");
  assert.equal(wasm.status, 0, wasm.stdout + wasm.stderr);
  assert.match(wasm.stdout.split("\n")[0], /^backend: wasm-(relaxed|simd) \(1 thread\)$/); // relaxed SIMD where the CPU has it
});

test("conformance --json: the backend in the JSON beside the results, and on stderr", () => {
  const r = conformance("js", "--json");
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, "backend: js\n");
  const out = JSON.parse(r.stdout) as { backend: string; adapter?: unknown; results: Array<{ ok: boolean }> };
  assert.equal(out.backend, "js");
  assert.equal(out.adapter, undefined, "no adapter on a CPU backend");
  assert.deepEqual(out.results.map((x) => x.ok), [true]);
  const wasm = JSON.parse(conformance("wasm", "--json").stdout) as { backend: string };
  assert.match(wasm.backend, /^wasm-(relaxed|simd) \(1 thread\)$/);
});
