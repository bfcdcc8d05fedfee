/**
 * GEMM on the wasm kernels: copies the parts of A, B (and C when it is read) that the call touches into scratch
 * memory, has the threads compute C in chunks (kernels/gemm.c: gemm_run, gemm_chunks) and copies C back, chunk by
 * chunk where it can so that the copying overlaps the computing.
 */
import { resolveGemm, type GemmArgs, type ResolvedGemm } from "../backend.js";
import { checkGemmBounds, checkGemmShape } from "../gemm-checks.js";
import type { Arena } from "./arena.js";
import type { KernelExports } from "./loader.js";
import type { ThreadPool, Task } from "./pool.js";

/** Byte layout of kernels/gemm.c's GemmParams, all 32-bit. */
const P = {
  transA: 0, transB: 1, m: 2, n: 3, k: 4, a: 5, b: 6, c: 7, lda: 8, ldb: 9, ldc: 10,
  strideA: 11, strideB: 12, strideC: 13, alpha: 14, beta: 15, batch: 16,
  chunks: 17, chunkKind: 18, chunkSize: 19, next: 20, done: 21, ready: 22,
} as const;
export const GEMM_PARAMS_BYTES = 128;

/** Chunks per thread in a dynamic split: enough for a slowed-down thread to hand work over, few enough that
 * re-packing the shared operand for every chunk stays cheap. */
const CHUNKS_PER_THREAD = 4;
/** Row and column chunks span at least this many rows or columns: each re-packs the other operand, and below
 * about this width the re-packing would cost a few percent. */
const MIN_CHUNK_WIDTH = 128;
/** A chunk is worth at least this many flops. */
const MIN_CHUNK_FLOPS = 1 << 20;

/** Below this many flops a GEMM runs on the calling thread alone: waking workers costs tens of µs. */
export const PARALLEL_MIN_FLOPS = 1 << 21;

export interface ThreadBuffers {
  packA: number;
  packB: number;
  tmp: number;
}

export interface GemmContext {
  arena: Arena;
  pool: ThreadPool;
  main: KernelExports;
  params: number;
  buffers: ThreadBuffers[];
  mr: number;
  nr: number;
  stats: GemmStats;
}

/** Time spent (ms) copying operands in and out of wasm memory and computing, summed over calls. */
export interface GemmStats {
  calls: number;
  copyMs: number;
  computeMs: number;
}

/** How C's batches sit in memory: apart, one and the same (stride 0: products accumulate), or overlapping. */
function cLayout(g: ResolvedGemm): "apart" | "same" | "overlap" {
  if (g.batch <= 1) return "apart";
  if (g.strideC === 0) return "same";
  const s = Math.abs(g.strideC);
  if (s >= (g.m - 1) * g.ldc + g.n) return "apart"; // one block after another
  if (s >= g.n && (g.batch - 1) * s + g.n <= g.ldc) return "apart"; // side by side within each row
  return "overlap";
}

export function gemmWasm(ctx: GemmContext, args: GemmArgs): void {
  const g = resolveGemm(args);
  checkGemmShape(g, "wasm");
  const { m, n, k, batch } = g;
  if (m === 0 || n === 0 || batch === 0) return;
  const { arena, pool } = ctx;
  const t0 = performance.now();
  const { a: [aLo, aHi], b: [bLo, bHi], c: [cLo, cHi] } = checkGemmBounds(g, "wasm");

  const plan = partition(ctx, g, cLayout(g));
  arena.reset();
  const aAt = arena.alloc((aHi - aLo) * 4);
  const bAt = arena.alloc((bHi - bLo) * 4);
  const cAt = arena.alloc((cHi - cLo) * 4);
  // C is read when beta ≠ 0, and copied in anyway when the copy-out would otherwise clobber gaps between its rows
  const cIn = g.beta !== 0 || !(g.ldc === n && (batch === 1 || g.strideC === m * n));
  const ready = plan.streamIn ? arena.flags(plan.chunks) : 0;
  const done = plan.streamOut ? arena.flags(plan.chunks) : 0;
  writeParams(ctx, g, aAt + (g.aOffset - aLo) * 4, bAt + (g.bOffset - bLo) * 4, cAt + (g.cOffset - cLo) * 4, plan,
    ready, done);
  let copyMs = 0;
  const copy = (f: () => void): void => {
    const t = performance.now();
    f();
    copyMs += performance.now() - t;
  };
  const copyInAll = (): void => {
    arena.write(aAt, g.a, aLo, aHi);
    arena.write(bAt, g.b, bLo, bHi);
    if (cIn) arena.write(cAt, g.c, cLo, cHi);
  };
  const copyOutAll = (): void => arena.copyOut(cAt, g.c, cLo, cHi - cLo);

  if (plan.chunks === 0) {
    copy(copyInAll);
    pool.run([{ fn: "gemm_run", args: [ctx.params, 0, batch, 0, m, 0, n, ...buffers(ctx, 0)] }]);
    copy(copyOutAll);
  } else {
    if (!plan.streamIn) copy(copyInAll);
    const workerTasks = Array.from({ length: plan.threads - 1 },
      (_, w): Task => ({ fn: "gemm_chunks", args: [ctx.params, ...buffers(ctx, w + 1)] }));
    pool.runWith(() => {
      if (plan.streamIn) {
        // B first, then A's (and C's) rows chunk by chunk: the workers start on chunk 0 while the rest comes in
        let c = 0;
        try {
          copy(() => arena.write(bAt, g.b, bLo, bHi));
          for (; c < plan.chunks; c++) {
            const [r0, r1] = chunkRows(ctx, g, plan, c);
            copy(() => {
              arena.write(aAt + (r0 * g.lda) * 4, g.a, aLo + r0 * g.lda, aLo + (r1 - 1) * g.lda + k);
              if (cIn) arena.write(cAt + (r0 * g.ldc) * 4, g.c, cLo + r0 * g.ldc, cLo + (r1 - 1) * g.ldc + n);
            });
            Atomics.store(arena.i32, (ready >> 2) + c, 1);
            Atomics.notify(arena.i32, (ready >> 2) + c);
          }
        } finally {
          // should a copy throw, release the workers anyway (runWith rethrows once they are done)
          for (; c < plan.chunks; c++) {
            Atomics.store(arena.i32, (ready >> 2) + c, 1);
            Atomics.notify(arena.i32, (ready >> 2) + c);
          }
        }
      }
      // take chunks like the workers do, and copy finished ones out between our own
      const i32 = arena.i32;
      const main = ctx.main;
      let copied = 0;
      for (;;) {
        const c = Atomics.add(i32, (ctx.params >> 2) + P.next, 1);
        if (c >= plan.chunks) break;
        main.gemm_chunk(ctx.params, c, ...(buffers(ctx, 0) as [number, number, number]));
        if (plan.streamOut) {
          while (copied < plan.chunks && Atomics.load(i32, (done >> 2) + copied) === 1) {
            const cc = copied++;
            copy(() => copyOutChunk(ctx, g, plan, cc, cAt, cLo));
          }
        }
      }
      if (plan.streamOut) {
        for (; copied < plan.chunks; copied++) {
          if (!waitFlag(ctx, done, copied)) return; // a worker failed: runWith throws
          const cc = copied;
          copy(() => copyOutChunk(ctx, g, plan, cc, cAt, cLo));
        }
      }
    }, workerTasks);
    if (!plan.streamOut) copy(copyOutAll);
  }
  const total = performance.now() - t0;
  ctx.stats.calls++;
  ctx.stats.copyMs += copyMs;
  ctx.stats.computeMs += total - copyMs;
}

function writeParams(ctx: GemmContext, g: ResolvedGemm, a: number, b: number, c: number, plan: Plan, ready: number,
  done: number): void {
  const i32 = ctx.arena.i32;
  const f32 = ctx.arena.f32;
  const p = ctx.params >> 2;
  i32[p + P.transA] = g.transA ? 1 : 0;
  i32[p + P.transB] = g.transB ? 1 : 0;
  i32[p + P.m] = g.m;
  i32[p + P.n] = g.n;
  i32[p + P.k] = g.k;
  i32[p + P.a] = a;
  i32[p + P.b] = b;
  i32[p + P.c] = c;
  i32[p + P.lda] = g.lda;
  i32[p + P.ldb] = g.ldb;
  i32[p + P.ldc] = g.ldc;
  i32[p + P.strideA] = g.strideA;
  i32[p + P.strideB] = g.strideB;
  i32[p + P.strideC] = g.strideC;
  f32[p + P.alpha] = g.alpha;
  f32[p + P.beta] = g.beta;
  i32[p + P.batch] = g.batch;
  i32[p + P.chunks] = plan.chunks;
  i32[p + P.chunkKind] = plan.kind;
  i32[p + P.chunkSize] = plan.size;
  i32[p + P.next] = 0;
  i32[p + P.done] = done;
  i32[p + P.ready] = ready;
}

/** Rows [r0, r1) of C that row chunk c covers. */
function chunkRows(ctx: GemmContext, g: ResolvedGemm, plan: Plan, c: number): [number, number] {
  const r0 = c * plan.size * ctx.mr;
  return [r0, Math.min(g.m, r0 + plan.size * ctx.mr)];
}

/** Waits until flag c at byte address `flags` is up; false if the workers stopped without raising it. */
function waitFlag(ctx: GemmContext, flags: number, c: number): boolean {
  const i32 = ctx.arena.i32;
  const at = (flags >> 2) + c;
  while (Atomics.load(i32, at) === 0) {
    if (ctx.pool.workersFinished() && Atomics.load(i32, at) === 0) return false;
    if (ctx.pool.blocking) Atomics.wait(i32, at, 0, 20);
  }
  return true;
}

/** Copies chunk c's C out of wasm memory: rows of one matrix (kind 1) or whole stacked batches (kind 0). */
function copyOutChunk(ctx: GemmContext, g: ResolvedGemm, plan: Plan, c: number, cAt: number, cLo: number): void {
  let first: number, last: number; // elements relative to C's element 0 of batch 0
  if (plan.kind === 0) {
    const b0 = c * plan.size;
    const b1 = Math.min(g.batch, b0 + plan.size);
    first = b0 * g.strideC;
    last = (b1 - 1) * g.strideC + (g.m - 1) * g.ldc + g.n;
  } else {
    const [r0, r1] = chunkRows(ctx, g, plan, c);
    first = r0 * g.ldc;
    last = (r1 - 1) * g.ldc + g.n;
  }
  const at = cAt + (g.cOffset - cLo + first) * 4;
  ctx.arena.copyOut(at, g.c, g.cOffset + first, last - first);
}

interface Plan {
  /** 0: one gemm_run on the calling thread; else the number of chunks the threads take in turn (gemm_chunks) */
  chunks: number;
  /** chunks of 0: batches, 1: row panels, 2: column panels; `size` of them each */
  kind: number;
  size: number;
  threads: number;
  /** A's and C's rows are copied in chunk by chunk while the threads compute (row chunks of one plain A) */
  streamIn: boolean;
  /** C is copied out chunk by chunk as chunks finish (each chunk's C is one contiguous block) */
  streamOut: boolean;
}

/**
 * How one call is split. Small calls run on the calling thread alone. Larger ones are cut into chunks of whole
 * batches, row panels or column panels that the threads take in turn (gemm_chunks): a thread that the machine
 * slows down takes fewer. Every element of C comes out the same whichever thread computes it (gemm.c), so the
 * result does not depend on who took which chunk. Row chunks duplicate the packing of B, column chunks that of
 * A; rows are preferred, since their A and C are contiguous and can be copied in and out while other chunks
 * compute.
 */
function partition(ctx: GemmContext, g: ResolvedGemm, layout: "apart" | "same" | "overlap"): Plan {
  const { m, n, k, batch } = g;
  const T = ctx.pool.threads;
  const whole: Plan = { chunks: 0, kind: 0, size: 0, threads: 1, streamIn: false, streamOut: false };
  const flops = 2 * m * n * Math.max(k, 1) * batch;
  if (T === 1 || flops < PARALLEL_MIN_FLOPS || layout === "overlap") return whole;
  const unitsN = Math.ceil(n / ctx.nr);
  const unitsM = Math.ceil(m / ctx.mr);
  let kind: number, units: number;
  if (layout === "apart" && batch >= 2 * T) [kind, units] = [0, batch];
  else if (unitsM >= 2 * T && (m >= n / 4 || unitsN < 2 * T)) [kind, units] = [1, unitsM];
  else if (unitsN >= 2 * T) [kind, units] = [2, unitsN];
  else if (unitsN >= unitsM) [kind, units] = [2, unitsN];
  else [kind, units] = [1, unitsM];
  const minUnits = kind === 0 ? 1 : Math.ceil(MIN_CHUNK_WIDTH / (kind === 1 ? ctx.mr : ctx.nr));
  const wanted = Math.max(T, Math.min(CHUNKS_PER_THREAD * T, Math.floor(flops / MIN_CHUNK_FLOPS), Math.floor(units / minUnits)));
  const size = Math.ceil(units / wanted);
  const chunks = Math.ceil(units / size);
  if (chunks < 2) return whole;
  const blocks = g.strideC > 0 && g.strideC >= (m - 1) * g.ldc + n; // batches of C one after another
  return {
    chunks, kind, size,
    threads: Math.min(T, chunks),
    streamIn: kind === 1 && batch === 1 && !g.transA && k > 0,
    streamOut: kind === 1 ? batch === 1 : kind === 0 && blocks,
  };
}

function buffers(ctx: GemmContext, t: number): number[] {
  const b = ctx.buffers[t];
  return [b.packA, b.packB, b.tmp];
}
