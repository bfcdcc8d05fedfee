/**
 * `transformer bench gemm|train|decode --backend NAME`: the flag reaches the kernels (the backend the output names is
 * the one that loaded, with its pool's threads where --threads was given), a name not in select.ts's list or one that
 * contradicts TRANSFORMER_BACKEND is one line and exit 1. Tiny sizes: seconds, not a measurement.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { BACKEND_NAMES } from "../../src/backend/select.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");

/** The CLI with TRANSFORMER_BACKEND as given (unset by default, as a user without it). */
function bench(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.TRANSFORMER_BACKEND;
  delete base.TRANSFORMER_THREADS;
  return spawnSync(process.execPath, [CLI, "bench", ...args], { encoding: "utf8", env: { ...base, ...env } });
}

const TINY_TRAIN = ["train", "--preset", "tiny", "--steps", "1", "--batch", "2", "--len", "4", "--vocab", "50", "--no-peer"];
const TINY_DECODE = ["decode", "--src-len", "2", "--new-tokens", "2", "--no-peer"];
const TINY_GEMM = ["gemm", "--shapes", "8,8,8;4,16,2", "--no-peer"];

test("bench train --backend: the output names the backend that ran, first line and in --json", () => {
  const js = bench([...TINY_TRAIN, "--backend", "js"]);
  assert.equal(js.status, 0, js.stderr);
  assert.equal(js.stdout.split("\n")[0], "backend: js");
  assert.match(js.stdout.split("\n")[1], /^tiny: [\d.]+ s\/step, [\d,]+ tokens\/s$/);
  // not the default (native or wasm here): the flag, not the CLI's own choice, set the kernels
  const wasm = bench([...TINY_TRAIN, "--backend", "wasm", "--json"]);
  assert.equal(wasm.status, 0, wasm.stderr);
  const r = JSON.parse(wasm.stdout) as { backend: string; tokens_per_step: number; adapter?: unknown };
  assert.match(r.backend, /^wasm-(relaxed|simd) \(\d+ threads?\)$/);
  assert.equal(r.tokens_per_step, 2 * (4 + 4), "--batch and --len reach the step");
  assert.equal(r.adapter, undefined, "no adapter on a CPU backend");
});

test("bench decode --backend js: the backend in the human output and in --json", () => {
  const h = bench([...TINY_DECODE, "--backend", "js"]);
  assert.equal(h.status, 0, h.stderr);
  assert.equal(h.stdout.split("\n")[0], "backend: js");
  const j = bench([...TINY_DECODE, "--backend", "wasm", "--json"]);
  assert.equal(j.status, 0, j.stderr);
  const r = JSON.parse(j.stdout) as { backend: string; new_tokens: number; src_len: number };
  assert.match(r.backend, /^wasm-(relaxed|simd) \(\d+ threads?\)$/);
  assert.deepEqual([r.src_len, r.new_tokens], [2, 2]);
});

test("bench gemm --backend and --threads reach the backend; --shapes are the rows measured", () => {
  const h = bench([...TINY_GEMM, "--backend", "js"]);
  assert.equal(h.status, 0, h.stderr);
  assert.equal(h.stdout.split("\n")[0], "backend: js");
  const j = bench([...TINY_GEMM, "--backend", "native", "--threads", "1", "--json"]);
  if (j.status !== 0 && /native/.test(j.stderr)) return; // no native addon built here: the wasm case below still runs
  assert.equal(j.status, 0, j.stderr);
  const r = JSON.parse(j.stdout) as { backend: string; results: Array<{ m: number; n: number; k: number; gflops: number }> };
  assert.equal(r.backend, "native (1 thread)");
  assert.deepEqual(r.results.map((x) => [x.m, x.n, x.k]), [[8, 8, 8], [4, 16, 2]]);
  for (const x of r.results) assert.ok(x.gflops > 0 && Number.isFinite(x.gflops));
  const w = bench([...TINY_GEMM, "--backend", "wasm", "--threads", "1", "--json"]);
  assert.equal(w.status, 0, w.stderr);
  assert.match((JSON.parse(w.stdout) as { backend: string }).backend, /^wasm-(relaxed|simd) \(1 thread\)$/);
});

/** Exit 1 and one line on stderr matching `re`, nothing on stdout. */
function refused(r: ReturnType<typeof bench>, re: RegExp): void {
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr.trim(), re);
}

test("an unknown --backend is one line naming the flag as typed and the backends there are", () => {
  const names = BACKEND_NAMES.join(", ");
  for (const sub of [TINY_TRAIN, TINY_DECODE, TINY_GEMM]) {
    refused(bench([...sub, "--backend", "cuda"]), new RegExp(`'--backend <name>' argument 'cuda' is invalid\\. Allowed choices are ${names}\\.$`));
  }
});

test("--backend against a different TRANSFORMER_BACKEND is refused; the same name in both runs", () => {
  refused(bench([...TINY_TRAIN, "--backend", "js"], { TRANSFORMER_BACKEND: "wasm" }),
    /^transformer: --backend js conflicts with TRANSFORMER_BACKEND=wasm: unset the variable, or give the same name in both$/);
  const same = bench([...TINY_GEMM, "--backend", "js"], { TRANSFORMER_BACKEND: "js" });
  assert.equal(same.status, 0, same.stderr);
  assert.equal(same.stdout.split("\n")[0], "backend: js");
  // without the flag the variable still picks the kernels
  const env = bench(TINY_GEMM, { TRANSFORMER_BACKEND: "js-device" });
  assert.equal(env.stdout.split("\n")[0], "backend: js-device");
});

test("bad --shapes and a --peer-device no PyTorch peer uses are one line each", () => {
  refused(bench(["gemm", "--shapes", "8,8", "--no-peer"]), /'--shapes <list>' argument '8,8' is invalid\. expected M,N,K;M,N,K\.\.\. \(positive integers\), got "8,8"$/);
  refused(bench(["gemm", "--shapes", "8,0,8", "--no-peer"]), /got "8,0,8"$/);
  refused(bench([...TINY_GEMM, "--peer-device", "cuda"]), /^transformer: --peer-device cuda applies to the peer, which --no-peer skips$/);
  refused(bench(["gemm", "--shapes", "8,8,8", "--peer", "numpy", "--peer-device", "cuda"]), /^transformer: --peer-device cuda applies to --peer torch; numpy runs on the CPU$/);
  refused(bench([...TINY_TRAIN, "--batch", "0"]), /'--batch <n>' argument '0' is invalid/);
  refused(bench([...TINY_TRAIN, "--vocab", "3"]), /^transformer: --vocab must be at least 4 \(pad, bos, eos and one word\), got 3$/);
});
