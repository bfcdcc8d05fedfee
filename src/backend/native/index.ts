/**
 * The native backend: a Node addon (N-API, C++ in native/, built at install by scripts/build-native.mjs into
 * build/Release/transformer_native.node) whose GEMM works directly on the caller's Float32Arrays — no copies —
 * with packed panels, a 6×16 AVX2/FMA micro-kernel and a small thread pool with a fixed partition.
 *
 * The element kernels (softmax, layer norm, activations, cross-entropy, Adam) are native too: kernels/*.c, the
 * wasm kernels' sources, compiled into the addon (native/kernels.c). The addon refuses to load on a CPU without AVX2/FMA; createNativeBackend then throws
 * and the default backend selection falls back to wasm.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveGemm, type Backend, type GemmArgs, type ResolvedGemm } from "../backend.js";
import { cLayout, checkGemmBounds, checkGemmShape } from "../gemm-checks.js";
import { resolveThreads } from "../threads.js";
import { makeNativeKernels, type NativeKernelAddon } from "./kernels.js";

interface Addon extends NativeKernelAddon {
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, params: Float64Array): void;
  /** glibc keeps freed memory for reuse (native/addon.cc); false elsewhere. */
  tuneMalloc(): boolean;
}

export interface NativeBackendOptions {
  /**
   * Threads in all, the calling one included.
   * @default env TRANSFORMER_THREADS, else the number of cores (os.availableParallelism)
   */
  threads?: number;
}

export interface NativeBackend extends Backend {
  readonly threads: number;
  /** Nothing to release (the addon's threads sleep when idle); kept so every fast backend can be disposed alike. */
  dispose(): Promise<void>;
}

/** Where the addon may be, from dist/src/backend/native/ (the build) or src/backend/native/ (sources). */
export function addonCandidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const env = process.env.TRANSFORMER_NATIVE_ADDON;
  return [
    ...(env ? [env] : []),
    join(here, "..", "..", "..", "..", "build", "Release", "transformer_native.node"),
    join(here, "..", "..", "..", "build", "Release", "transformer_native.node"),
  ];
}

let cached: Addon | undefined;

/** Loads the addon, or throws an Error that says why (not built, or this CPU lacks AVX2/FMA). */
export function loadAddon(): Addon {
  if (cached) return cached;
  const candidates = addonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    throw new Error(`the native backend is not built (no ${candidates[candidates.length - 2]}): ` +
      "run `node scripts/build-native.mjs` (needs a C++ compiler), or use TRANSFORMER_BACKEND=wasm");
  }
  const require = createRequire(import.meta.url);
  try {
    cached = require(path) as Addon;
  } catch (e) {
    throw new Error(`the native backend does not load (${path}): ${(e as Error).message}`);
  }
  return cached;
}

/** Whether the addon loads here (built, and the CPU has AVX2/FMA). */
export function nativeAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

const INT32 = 2 ** 31 - 1;

function validate(g: ResolvedGemm): void {
  checkGemmShape(g, "native");
  // the addon takes sizes as C ints
  for (const key of ["m", "n", "k", "batch"] as const) {
    if (g[key] > INT32) throw new RangeError(`gemm (native): ${key} = ${g[key]} is too large`);
  }
  checkGemmBounds(g, "native");
}

export async function createNativeBackend(opts: NativeBackendOptions = {}): Promise<NativeBackend> {
  const addon = loadAddon();
  const threads = await resolveThreads(opts.threads);
  // tensors come and go by the hundred MB a training step: reuse freed memory instead of faulting in fresh pages
  // (TRANSFORMER_MALLOC=default leaves glibc's settings alone)
  if (process.env.TRANSFORMER_MALLOC !== "default") addon.tuneMalloc();
  const params = new Float64Array(19);

  function gemm(args: GemmArgs): void {
    const g = resolveGemm(args);
    validate(g);
    if (g.m === 0 || g.n === 0 || g.batch === 0) return;
    params[0] = g.transA ? 1 : 0;
    params[1] = g.transB ? 1 : 0;
    params[2] = g.m;
    params[3] = g.n;
    params[4] = g.k;
    params[5] = g.aOffset;
    params[6] = g.bOffset;
    params[7] = g.cOffset;
    params[8] = g.lda;
    params[9] = g.ldb;
    params[10] = g.ldc;
    params[11] = g.batch;
    params[12] = g.strideA;
    params[13] = g.strideB;
    params[14] = g.strideC;
    params[15] = g.alpha;
    params[16] = g.beta;
    params[17] = threads;
    params[18] = cLayout(g) === "apart" ? 1 : 0; // batches of C may run on different threads
    addon.gemm(g.a, g.b, g.c, params);
  }

  return {
    name: "native",
    threads,
    dispose: async () => {},
    gemm,
    ...makeNativeKernels(addon, threads),
  };
}
