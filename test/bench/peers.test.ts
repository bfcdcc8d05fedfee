/**
 * The PyTorch peers in bench/ (Debian's /usr/bin/python3 with python3-torch): each runs on the CPU at a tiny size and
 * names its device in its JSON; --device cuda where torch sees no GPU is one line and exit 1. gemm_torch.py prints
 * the rows gemm_numpy.py prints (what src/bench/gemm.ts reads). Skipped where torch is not installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PYTHON = "/usr/bin/python3";

function py(script: string, ...args: string[]) {
  return spawnSync(PYTHON, [path.join(ROOT, "bench", script), ...args], { encoding: "utf8" });
}

const probe = spawnSync(PYTHON, ["-c", "import torch; print(int(torch.cuda.is_available()))"], { encoding: "utf8" });
const noTorch = probe.status !== 0 ? `no torch in ${PYTHON}` : false;
const hasCuda = probe.stdout.trim() === "1";

const TINY = {
  "gemm_torch.py": ["--shapes", "8,8,8;16,4,2", "--min-ms", "1", "--threads", "1"],
  "train_torch.py": ["--preset", "tiny", "--steps", "1", "--batch", "2", "--len", "4", "--vocab", "50", "--threads", "1"],
  "decode_torch.py": ["--src-len", "2", "--new-tokens", "2", "--threads", "1"],
} as const;

test("gemm_torch.py on the CPU: gemm_numpy.py's rows for the shapes asked, and the device", { skip: noTorch }, () => {
  const r = py("gemm_torch.py", ...TINY["gemm_torch.py"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { device: string; tf32: boolean; threads: number; results: Array<Record<string, number>> };
  assert.deepEqual([out.device, out.tf32, out.threads], ["cpu", false, 1]);
  assert.deepEqual(out.results.map((x) => [x.m, x.n, x.k]), [[8, 8, 8], [16, 4, 2]]);
  for (const x of out.results) {
    assert.deepEqual(Object.keys(x).sort(), ["bestGflops", "gflops", "k", "m", "n", "runs"], "the keys of gemm_numpy.py's rows");
    assert.ok(x.gflops > 0 && x.bestGflops >= x.gflops && x.runs >= 3);
  }
});

test("train_torch.py and decode_torch.py on the CPU name the device", { skip: noTorch }, () => {
  const t = py("train_torch.py", ...TINY["train_torch.py"]);
  assert.equal(t.status, 0, t.stderr);
  const tr = JSON.parse(t.stdout) as { device: string; device_name: string; step_s: number; tokens_per_s: number };
  assert.deepEqual([tr.device, tr.device_name], ["cpu", "cpu"]);
  assert.ok(Math.abs(tr.tokens_per_s * tr.step_s - 2 * 2 * 4) < 1e-6, "tokens a step: batch × (source + target)");
  const d = py("decode_torch.py", ...TINY["decode_torch.py"]);
  assert.equal(d.status, 0, d.stderr);
  const de = JSON.parse(d.stdout) as { device: string; greedy_uncached_tokens_per_s: number };
  assert.equal(de.device, "cpu");
  assert.ok(de.greedy_uncached_tokens_per_s > 0);
});

test("--device cuda without a CUDA GPU is one line naming the script, exit 1", { skip: noTorch || (hasCuda && "torch sees a GPU here") }, () => {
  for (const [script, args] of Object.entries(TINY)) {
    const r = py(script, ...args, "--device", "cuda");
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^${script.replace(".", "\\.")}: --device cuda, but this torch \\S+ sees no CUDA GPU \\(built with CUDA [^)]+\\)\\n$`));
  }
});

test("bench gemm --peer torch puts torch.mm's GFLOPS beside ours, row by row", { skip: noTorch }, () => {
  const env = { ...process.env };
  delete env.TRANSFORMER_BACKEND;
  const r = spawnSync(process.execPath, [path.join(ROOT, "dist/src/cli/main.js"), "bench", "gemm", "--backend", "js", "--shapes", "8,8,8", "--peer", "torch", "--threads", "1", "--json"], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { backend: string; peer: { name: string; device: string }; results: Array<{ gflops: number; torch_gflops: number; ratio: number }> };
  assert.equal(out.backend, "js");
  assert.deepEqual([out.peer.name, out.peer.device], ["torch", "cpu"]);
  const [row] = out.results;
  assert.ok(row.torch_gflops > 0);
  assert.ok(Math.abs(row.ratio - row.gflops / row.torch_gflops) < 1e-9 * row.ratio);
});

/** The CLI's bench with the environment given (TRANSFORMER_BACKEND unset). */
function cliBench(args: string[], env: Record<string, string>) {
  const base = { ...process.env };
  delete base.TRANSFORMER_BACKEND;
  return spawnSync(process.execPath, [path.join(ROOT, "dist/src/cli/main.js"), "bench", ...args], { encoding: "utf8", env: { ...base, ...env } });
}

const TINY_CLI = {
  train: ["train", "--preset", "tiny", "--steps", "1", "--batch", "2", "--len", "4", "--vocab", "50", "--json"],
  decode: ["decode", "--src-len", "2", "--new-tokens", "2", "--json"],
  gemm: ["gemm", "--shapes", "8,8,8", "--peer", "torch", "--threads", "1", "--json"],
} as const;

test("TRANSFORMER_PEER_PYTHON that is not a file: one line naming it, exit 1, before anything is measured", () => {
  for (const args of Object.values(TINY_CLI)) {
    const r = cliBench([...args], { TRANSFORMER_PEER_PYTHON: "/nonexistent/python3" });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, "", "nothing measured");
    assert.match(r.stderr, /^transformer: TRANSFORMER_PEER_PYTHON is "\/nonexistent\/python3", which is not a file: expected the python3 that has torch, or unset it for \/usr\/bin\/python3\n$/);
  }
  // --no-peer runs no Python, so the variable does not matter
  const r = cliBench(["train", "--preset", "tiny", "--steps", "1", "--batch", "2", "--len", "4", "--vocab", "50", "--no-peer"], { TRANSFORMER_PEER_PYTHON: "/nonexistent/python3" });
  assert.equal(r.status, 0, r.stderr);
});

test("TRANSFORMER_PEER_PYTHON runs the peers (a GPU machine's venv): every peer goes through the python it names", { skip: noTorch }, () => {
  // a python3 that records each script it is asked to run, then is Debian's python3
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "transformer-peer-python-"));
  try {
    const log = path.join(dir, "ran.txt");
    const wrapper = path.join(dir, "python3");
    fs.writeFileSync(wrapper, `#!/bin/sh\nbasename "$1" >> '${log}'\nexec ${PYTHON} "$@"\n`, { mode: 0o755 });
    for (const [name, args] of Object.entries(TINY_CLI)) {
      const r = cliBench([...args], { TRANSFORMER_PEER_PYTHON: wrapper });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      const peerKey = { train: "torch_step_s", decode: "torch_greedy_uncached_tokens_per_s", gemm: "peer" }[name]!;
      assert.ok(out[peerKey] !== undefined, `${name}: the peer's numbers are in the JSON (${Object.keys(out).join(", ")})`);
    }
    assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["train_torch.py", "decode_torch.py", "gemm_torch.py"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
