/**
 * GEMM throughput of a backend on the transformer's shapes, in GFLOPS (2·m·n·k flops a call).
 *
 *   node dist/src/bench/gemm.js [--backend js|wasm|native|webgpu|js-device] [--threads N] [--plain] [--shapes M,N,K;...] [--numpy]
 *
 * --plain takes the wasm backend's plain-SIMD kernels instead of relaxed SIMD; --numpy also runs
 * bench/gemm_numpy.py on each shape right after ours (numpy/OpenBLAS, same thread count), so that both are timed
 * under the same load. Prints one JSON object.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import type { Backend } from "../backend/backend.js";
import { BACKEND_NAMES, useBackend, type BackendName } from "../backend/select.js";
import { createWasmBackend, type WasmBackend } from "../backend/wasm/index.js";
import { peerPython } from "./peer-python.js";
import { ranOn } from "./ran-on.js";

export type GemmShape = [m: number, n: number, k: number];

/**
 * The small preset (dModel 256, dFF 1024, vocab 8000) on 2048 tokens: the attention projections, the two
 * feed-forward layers, the output projection to the vocabulary; and the customary 1024³.
 */
export const TRANSFORMER_SHAPES: GemmShape[] = [
  [2048, 256, 256],
  [2048, 1024, 256],
  [2048, 256, 1024],
  [2048, 8000, 256],
  [1024, 1024, 1024],
];

export interface GemmBenchOptions {
  /** The kernels to time (the CLI passes the one useBackend set). */
  backend: Backend;
  shapes?: GemmShape[];
  /** Time each shape for at least this long (after one warm-up call). @default 500 */
  minMs?: number;
}

export interface GemmBenchResult {
  m: number;
  n: number;
  k: number;
  /** From the median call. */
  gflops: number;
  /** From the fastest call. */
  bestGflops: number;
  runs: number;
  /** wasm only: the share of the time spent copying operands in and out of wasm memory, in percent. */
  copyPercent?: number;
}

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Each shape's median and best call on `opts.backend`. On a device backend (webgpu, js-device) a call returns once
 * queued, so each timed call ends with sync(): its time is one dispatch and the wait for it, with A and B already
 * resident from the warm-up call and C left on the device (as between the kernels of a training step).
 */
export async function benchGemm(opts: GemmBenchOptions): Promise<GemmBenchResult[]> {
  const backend = opts.backend as Backend & { sync?: () => void };
  const sync = backend.sync?.bind(backend) ?? (() => {});
  // the wasm backend counts its copies in and out of wasm memory (a device backend's stats() counts something else)
  const wasm = typeof (backend as Partial<WasmBackend>).resetStats === "function" ? (backend as WasmBackend) : null;
  const minMs = opts.minMs ?? 500;
  const slow = backend.name === "js" || backend.name === "js-device";
  const results: GemmBenchResult[] = [];
  for (const [m, n, k] of opts.shapes ?? TRANSFORMER_SHAPES) {
    const a = random(m * k, 1), b = random(k * n, 2), c = new Float32Array(m * n);
    backend.gemm({ m, n, k, a, b, c }); // warm-up: tiers the wasm code up, grows the memory, uploads A and B to a device
    sync();
    wasm?.resetStats();
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 3 || performance.now() - start < minMs) {
      const t = performance.now();
      backend.gemm({ m, n, k, a, b, c });
      sync();
      times.push(performance.now() - t);
      if (slow && performance.now() - start > 4 * minMs) break; // the reference kernels: fewer runs
    }
    times.sort((x, y) => x - y);
    const flops = 2 * m * n * k;
    const result: GemmBenchResult = {
      m, n, k,
      gflops: flops / times[Math.floor(times.length / 2)] / 1e6,
      bestGflops: flops / times[0] / 1e6,
      runs: times.length,
    };
    if (wasm) result.copyPercent = (100 * wasm.stats.copyMs) / (wasm.stats.copyMs + wasm.stats.computeMs);
    results.push(result);
  }
  return results;
}

/** The GEMM peers, each a script in bench/ that prints a PeerReport: numpy/OpenBLAS, and PyTorch's torch.mm (CPU or CUDA). */
export const GEMM_PEERS = ["numpy", "torch"] as const;
export type GemmPeer = (typeof GEMM_PEERS)[number];

export interface PeerReport {
  /** gemm_numpy.py: numpy's version and the OpenBLAS kernel it ran. */
  numpy?: string;
  openblas?: Record<string, unknown>;
  /** gemm_torch.py: torch's version, the device and its name, TF32 (always off: f32 as ours). */
  torch?: string;
  device?: string;
  device_name?: string;
  results: Array<{ m: number; n: number; k: number; gflops: number; bestGflops: number }>;
}

export interface PeerOptions {
  threads?: number;
  minMs?: number;
  /** torch only: cpu or cuda. @default "cpu" */
  device?: string;
}

/**
 * bench/gemm_numpy.py (python3 on PATH must have numpy) or bench/gemm_torch.py (peerPython(): Debian's
 * /usr/bin/python3, where python3-torch lives, or TRANSFORMER_PEER_PYTHON, as for the other PyTorch peers) on the
 * given shapes. Throws the script's last line when it fails.
 */
export function benchPeer(peer: GemmPeer, shapes: GemmShape[], o: PeerOptions = {}): PeerReport {
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bench", `gemm_${peer}.py`);
  const args = [script, "--shapes", shapes.map((s) => s.join(",")).join(";"), "--min-ms", String(o.minMs ?? 500)];
  if (o.threads !== undefined) args.push("--threads", String(o.threads));
  if (peer === "torch") args.push("--device", o.device ?? "cpu");
  const python = peer === "torch" ? peerPython() : "python3";
  const run = spawnSync(python, args, { encoding: "utf8" });
  if (run.status !== 0) {
    const why = (run.stderr || String(run.error ?? "")).trim().split("\n").at(-1);
    throw new Error(`${python} bench/gemm_${peer}.py failed: ${why}`);
  }
  return JSON.parse(run.stdout) as PeerReport;
}

/** "M,N,K;M,N,K..." as shapes; throws one line naming the part that is not three positive integers. */
export function parseShapes(s: string): GemmShape[] {
  const shapes = s.split(";").filter(Boolean).map((t) => {
    const v = t.split(",").map((x) => (x.trim() === "" ? NaN : Number(x)));
    if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`expected M,N,K;M,N,K... (positive integers), got "${t}"`);
    return v as GemmShape;
  });
  if (shapes.length === 0) throw new Error(`expected M,N,K;M,N,K... (positive integers), got "${s}"`);
  return shapes;
}

/** The script's backend: useBackend's, but for --plain (the wasm backend's plain-SIMD kernels), which only it offers. */
async function scriptBackend(name: BackendName, threads: number | undefined, relaxed: boolean | undefined): Promise<Backend> {
  if (name === "wasm" && relaxed === false) return createWasmBackend({ threads, relaxed });
  return useBackend(name, threads);
}

async function main(argv: string[]): Promise<void> {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const name = get("--backend") ?? "wasm";
  if (!BACKEND_NAMES.includes(name as BackendName)) throw new Error(`bench gemm: --backend ${name}: expected one of ${BACKEND_NAMES.join(", ")}`);
  const threads = get("--threads") !== undefined ? Number(get("--threads")) : undefined;
  const shapes = get("--shapes") !== undefined ? parseShapes(get("--shapes")!) : TRANSFORMER_SHAPES;
  const relaxed = argv.includes("--plain") ? false : undefined;
  const minMs = get("--min-ms") !== undefined ? Number(get("--min-ms")) : undefined;
  const backend = await scriptBackend(name as BackendName, threads, relaxed);
  const report: Record<string, unknown> = { ...ranOn(backend), threads: threads ?? "default", relaxed: relaxed ?? "auto" };
  const rows: Array<GemmBenchResult & { numpyGflops?: number; percentOfNumpy?: number }> = [];
  let numpyInfo: Omit<PeerReport, "results"> | undefined;
  try {
    for (const shape of shapes) {
      // shape by shape, alternating with numpy, so that both see the same load on a shared machine
      const [ours] = await benchGemm({ backend, shapes: [shape], minMs });
      if (argv.includes("--numpy")) {
        const np = benchPeer("numpy", [shape], { threads, minMs });
        numpyInfo = { numpy: np.numpy, openblas: np.openblas };
        rows.push({ ...ours, numpyGflops: np.results[0].gflops, percentOfNumpy: (100 * ours.gflops) / np.results[0].gflops });
      } else {
        rows.push(ours);
      }
    }
  } finally {
    await (backend as Backend & { dispose?: () => unknown }).dispose?.();
  }
  if (numpyInfo) report.numpy = numpyInfo;
  report.results = rows;
  console.log(JSON.stringify(report, (_k, v: unknown) => (typeof v === "number" ? Math.round(v * 10) / 10 : v), 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
