/**
 * The WebAssembly SIMD backend: kernels written in C (kernels/*.c), compiled to wasm with relaxed SIMD where the
 * engine has it, running on worker threads that share one memory. Operands that are ordinary Float32Arrays are
 * copied into the shared memory for each call and results back out (O(inputs + outputs), small next to a GEMM's
 * O(m·n·k), but not next to a one-row product's: see bench/README.md). Arrays from `allocate` (parameters) live in
 * the memory's resident region, and kernels read and write them in place.
 */
import type { Backend } from "../backend.js";
import { resolveThreads } from "../threads.js";
import { Arena } from "./arena.js";
import { GEMM_PARAMS_BYTES, gemmWasm, type GemmContext, type GemmStats, type ThreadBuffers } from "./gemm.js";
import { makeKernels } from "./kernels.js";
import { instantiate, loadKernels } from "./loader.js";
import { ThreadPool } from "./pool.js";

export interface WasmBackendOptions {
  /**
   * Threads in all, the calling one included.
   * @default env TRANSFORMER_THREADS, else the number of cores (os.availableParallelism / hardwareConcurrency)
   */
  threads?: number;
  /** true: relaxed SIMD (throws where unsupported); false: plain SIMD. @default the best the engine supports */
  relaxed?: boolean;
}

export interface WasmBackend extends Backend {
  readonly threads: number;
  /** Whether the relaxed-SIMD kernels (fused multiply-add) are in use. */
  readonly relaxed: boolean;
  /** GEMM time split into copying operands in/out and computing, summed since creation (or resetStats). */
  readonly stats: GemmStats;
  resetStats(): void;
  /** Bytes of WebAssembly memory held (it grows to the largest call seen and never shrinks). */
  memoryBytes(): number;
  /** A zeroed array in the memory's resident region (an ordinary array when the memory cannot hold it). */
  allocate(length: number): Float32Array;
  /** Whether x lies in the resident region, so that kernels use it in place. */
  isResident(x: Float32Array): boolean;
  /** Stops the worker threads; the backend cannot be used afterwards. */
  dispose(): Promise<void>;
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = await resolveThreads(opts.threads);
  const { module, relaxed } = await loadKernels(opts.relaxed);

  // The main thread's instance tells the sizes of the per-thread buffers.
  const probeMemory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const probe = instantiate(module, probeMemory);
  const heapBase = probe.__heap_base.value as number;
  const packA = probe.gemm_pack_a_floats() * 4;
  const packB = probe.gemm_pack_b_floats() * 4;
  const tile = probe.gemm_tile_floats() * 4;
  const mr = probe.gemm_mr();
  const nr = probe.gemm_nr();
  const kc = probe.gemm_kc();

  const perThread = packA + packB + tile + 3 * 64;
  const arena = new Arena(heapBase, heapBase + GEMM_PARAMS_BYTES + threads * perThread + (8 << 20));
  const params = arena.reserve(GEMM_PARAMS_BYTES);
  const buffers: ThreadBuffers[] = [];
  for (let t = 0; t < threads; t++) {
    buffers.push({ packA: arena.reserve(packA), packB: arena.reserve(packB), tmp: arena.reserve(tile) });
  }
  const main = instantiate(module, arena.memory);
  const pool = await ThreadPool.create(module, arena.memory, main, threads);

  const stats: GemmStats = { calls: 0, copyMs: 0, computeMs: 0 };
  const ctx: GemmContext = { arena, pool, main, params, buffers, mr, nr, kc, stats };
  const kernels = makeKernels({ arena, pool, main });
  // a resident block goes back to the arena once its array is garbage (between calls: finalizers never run
  // inside the synchronous kernel calls)
  const reclaim = new FinalizationRegistry<[at: number, bytes: number]>(([at, bytes]) => arena.freeResident(at, bytes));

  return {
    name: relaxed ? "wasm-relaxed" : "wasm-simd",
    threads,
    relaxed,
    stats,
    resetStats() {
      stats.calls = 0;
      stats.copyMs = 0;
      stats.computeMs = 0;
    },
    memoryBytes: () => arena.byteLength,
    allocate(length) {
      const at = length > 0 ? arena.allocResident(length * 4) : null;
      if (at === null) return new Float32Array(length);
      const out = arena.view(at, length);
      out.fill(0); // the block may hold an earlier array's or scratch's values
      reclaim.register(out, [at, length * 4]);
      return out;
    },
    isResident: (x) => arena.residentAt(x) >= 0,
    dispose: () => pool.dispose(),
    gemm: (args) => gemmWasm(ctx, args),
    ...kernels,
  };
}
