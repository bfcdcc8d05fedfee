/**
 * GEMM throughput of a backend on the transformer's shapes, in GFLOPS (2·m·n·k flops a call).
 *
 *   node dist/bench/gemm.js [--backend js|wasm|native] [--threads N] [--plain] [--shapes M,N,K;...] [--numpy]
 *
 * --plain takes the wasm backend's plain-SIMD kernels instead of relaxed SIMD; --numpy also runs
 * bench/gemm_numpy.py on each shape right after ours (numpy/OpenBLAS, same thread count), so that both are timed
 * under the same load. Prints one JSON object.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import type { Backend } from "../backend/backend.js";
import { jsBackend } from "../backend/js/index.js";
import { createWasmBackend, type WasmBackend } from "../backend/wasm/index.js";
import { createNativeBackend, type NativeBackend } from "../backend/native/index.js";

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
  backend: "js" | "wasm" | "native";
  threads?: number;
  shapes?: GemmShape[];
  /** wasm only: false for the plain-SIMD kernels. @default the best the engine supports */
  relaxed?: boolean;
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

export async function benchGemm(opts: GemmBenchOptions): Promise<GemmBenchResult[]> {
  const wasm: WasmBackend | null = opts.backend === "wasm"
    ? await createWasmBackend({ threads: opts.threads, relaxed: opts.relaxed })
    : null;
  const native: NativeBackend | null = opts.backend === "native"
    ? await createNativeBackend({ threads: opts.threads })
    : null;
  const backend: Backend = wasm ?? native ?? jsBackend;
  const minMs = opts.minMs ?? 500;
  const results: GemmBenchResult[] = [];
  try {
    for (const [m, n, k] of opts.shapes ?? TRANSFORMER_SHAPES) {
      const a = random(m * k, 1), b = random(k * n, 2), c = new Float32Array(m * n);
      backend.gemm({ m, n, k, a, b, c }); // warm-up: tiers the wasm code up, grows the memory
      wasm?.resetStats();
      const times: number[] = [];
      const start = performance.now();
      while (times.length < 3 || performance.now() - start < minMs) {
        const t = performance.now();
        backend.gemm({ m, n, k, a, b, c });
        times.push(performance.now() - t);
        if (opts.backend === "js" && performance.now() - start > 4 * minMs) break; // slow: fewer runs
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
  } finally {
    await wasm?.dispose();
    await native?.dispose();
  }
  return results;
}

interface NumpyReport {
  numpy: string;
  openblas: Record<string, unknown>;
  results: Array<{ m: number; n: number; k: number; gflops: number; bestGflops: number }>;
}

/** bench/gemm_numpy.py on the given shapes (python3 must have numpy). */
export function benchNumpy(shapes: GemmShape[], threads?: number, minMs = 500): NumpyReport {
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bench", "gemm_numpy.py");
  const args = [script, "--shapes", shapes.map((s) => s.join(",")).join(";"), "--min-ms", String(minMs)];
  if (threads !== undefined) args.push("--threads", String(threads));
  const run = spawnSync("python3", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`bench gemm: python3 bench/gemm_numpy.py failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as NumpyReport;
}

function parseShapes(s: string): GemmShape[] {
  return s.split(";").filter(Boolean).map((t) => {
    const v = t.split(",").map(Number);
    if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`bench gemm: bad shape ${t}`);
    return v as GemmShape;
  });
}

async function main(argv: string[]): Promise<void> {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = (get("--backend") ?? "wasm") as GemmBenchOptions["backend"];
  const threads = get("--threads") !== undefined ? Number(get("--threads")) : undefined;
  const shapes = get("--shapes") !== undefined ? parseShapes(get("--shapes")!) : TRANSFORMER_SHAPES;
  const relaxed = argv.includes("--plain") ? false : undefined;
  const minMs = get("--min-ms") !== undefined ? Number(get("--min-ms")) : undefined;
  const report: Record<string, unknown> = { backend, threads: threads ?? "default", relaxed: relaxed ?? "auto" };
  const rows: Array<GemmBenchResult & { numpyGflops?: number; percentOfNumpy?: number }> = [];
  let numpyInfo: Omit<NumpyReport, "results"> | undefined;
  for (const shape of shapes) {
    // shape by shape, alternating with numpy, so that both see the same load on a shared machine
    const [ours] = await benchGemm({ backend, threads, shapes: [shape], relaxed, minMs });
    if (argv.includes("--numpy")) {
      const np = benchNumpy([shape], threads, minMs);
      numpyInfo = { numpy: np.numpy, openblas: np.openblas };
      rows.push({ ...ours, numpyGflops: np.results[0].gflops, percentOfNumpy: (100 * ours.gflops) / np.results[0].gflops });
    } else {
      rows.push(ours);
    }
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
