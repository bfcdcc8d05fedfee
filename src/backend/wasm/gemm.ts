/**
 * GEMM on the wasm kernels: copies the parts of A, B (and C when it is read) that the call touches into scratch
 * memory, has the threads compute C in chunks (kernels/gemm.c: gemm_run, gemm_chunks) and copies C back, chunk by
 * chunk where it can so that the copying overlaps the computing. A resident operand (a parameter: operands.ts) is
 * used where it is instead: not copied in, and C not copied out.
 */
import { resolveGemm, type GemmArgs, type ResolvedGemm } from "../backend.js";
import { cLayout, checkGemmBounds, checkGemmShape } from "../gemm-checks.js";
import type { Arena } from "./arena.js";
import type { KernelExports } from "./loader.js";
import { inPlaceInput } from "./operands.js";
import type { ThreadPool, Task } from "./pool.js";

/** Byte layout of kernels/gemm.c's GemmParams, all 32-bit. */
const P = {
  transA: 0, transB: 1, m: 2, n: 3, k: 4, a: 5, b: 6, c: 7, lda: 8, ldb: 9, ldc: 10,
  strideA: 11, strideB: 12, strideC: 13, alpha: 14, beta: 15, batch: 16,
  chunks: 17, chunkKind: 18, starts: 19, next: 20, done: 21, ready: 22, packedB: 23, packNext: 24, packDone: 25, bReady: 26,
} as const;
export const GEMM_PARAMS_BYTES = 128;

/** Chunks per thread in an even split (batches, column chunks, row chunks of a batched product): enough for a
 * slowed-down thread to hand work over, few enough that re-packing the shared operand for every chunk stays cheap. */
const CHUNKS_PER_THREAD = 4;
/** Row and column chunks span at least this many rows or columns: each re-packs the other operand, and below
 * about this width the re-packing would cost a few percent. */
const MIN_CHUNK_WIDTH = 128;
/** With B packed once for all row chunks (Plan.shareB), a chunk spans at least this many rows: each reads all of
 * the packed B again, from L3 when B is big (32 measured the same as 64 on 1024³ and the n = 256 shapes). */
const MIN_SHARED_CHUNK_ROWS = 64;
/** With B shared, each chunk takes 1 / (GUIDED_SHARE · threads) of the rows still left. */
const GUIDED_SHARE = 2;
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
  /** the kernels' KC: B is copied in KC rows at a time when streamed */
  kc: number;
  stats: GemmStats;
}

/** Time spent (ms) copying operands in and out of wasm memory and computing, summed over calls. */
export interface GemmStats {
  calls: number;
  copyMs: number;
  computeMs: number;
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
  // resident C is computed in place (and read there when beta ≠ 0); resident A and B are read in place unless
  // they overlap a resident C, which the kernel writes while it reads them (a copy is a snapshot taken before)
  const cRes = arena.residentAt(g.c) >= 0;
  const aRes = inPlaceInput(arena, g.a, aLo, aHi, [g.c]);
  const bRes = inPlaceInput(arena, g.b, bLo, bHi, [g.c]);
  const aIn = aRes < 0, bIn = bRes < 0;
  const aAt = aIn ? arena.alloc((aHi - aLo) * 4) : aRes;
  const bAt = bIn ? arena.alloc((bHi - bLo) * 4) : bRes;
  const cAt = cRes ? arena.residentAt(g.c) + cLo * 4 : arena.alloc((cHi - cLo) * 4);
  // C is read when beta ≠ 0, and copied in anyway when the copy-out would otherwise clobber gaps between its rows
  const cIn = !cRes && (g.beta !== 0 || !(g.ldc === n && (batch === 1 || g.strideC === m * n)));
  const streamOut = plan.streamOut && !cRes;
  const ready = plan.streamIn ? arena.flags(plan.chunks) : 0;
  const bBlocks = Math.ceil(k / ctx.kc);
  const bReady = plan.streamIn ? arena.flags(bBlocks) : 0;
  const starts = plan.chunks > 0 ? arena.flags(plan.chunks + 1) : 0;
  arena.i32.set(plan.starts, starts >> 2);
  const done = streamOut ? arena.flags(plan.chunks) : 0;
  // op(B) packed once for all row chunks: n rounded up to whole panels, times k
  const packedB = plan.shareB ? arena.alloc(Math.ceil(n / ctx.nr) * ctx.nr * k * 4) : 0;
  writeParams(ctx, g, aAt + (g.aOffset - aLo) * 4, bAt + (g.bOffset - bLo) * 4, cAt + (g.cOffset - cLo) * 4, plan,
    ready, done, packedB, starts, bReady);
  let copyMs = 0;
  const copy = (f: () => void): void => {
    const t = performance.now();
    f();
    copyMs += performance.now() - t;
  };
  const copyInAll = (): void => {
    if (aIn) arena.write(aAt, g.a, aLo, aHi);
    if (bIn) arena.write(bAt, g.b, bLo, bHi);
    if (cIn) arena.write(cAt, g.c, cLo, cHi);
  };
  const copyOutAll = (): void => {
    if (!cRes) arena.copyOut(cAt, g.c, cLo, cHi - cLo);
  };

  if (plan.chunks === 0) {
    copy(copyInAll);
    pool.run([{ fn: "gemm_run", args: [ctx.params, 0, batch, 0, m, 0, n, ...buffers(ctx, 0)] }]);
    copy(copyOutAll);
  } else {
    if (!plan.streamIn) copy(copyInAll);
    const workerTasks = Array.from({ length: plan.threads - 1 },
      (_, w): Task => ({ fn: "gemm_chunks", args: [ctx.params, ...buffers(ctx, w + 1)] }));
    const raise = (flags: number, i: number): void => {
      Atomics.store(arena.i32, (flags >> 2) + i, 1);
      Atomics.notify(arena.i32, (flags >> 2) + i);
    };
    pool.runWith(() => {
      if (plan.streamIn) {
        // B KC rows at a time (the workers pack each block as it lands; a transposed B lands whole), then A's
        // (and C's) rows chunk by chunk: the workers start on chunk 0 while the rest comes in
        let kb = 0, c = 0;
        try {
          for (; kb < bBlocks; kb++) {
            const p0 = kb * ctx.kc, p1 = Math.min(k, p0 + ctx.kc);
            // (a resident B is in place already: its flags go up at once)
            if (bIn && !g.transB) copy(() => arena.write(bAt + p0 * g.ldb * 4, g.b, bLo + p0 * g.ldb, bLo + (p1 - 1) * g.ldb + n));
            else if (bIn && kb === 0) copy(() => arena.write(bAt, g.b, bLo, bHi));
            raise(bReady, kb);
          }
          for (; c < plan.chunks; c++) {
            const [r0, r1] = chunkRows(ctx, g, plan, c);
            if (aIn || cIn) {
              copy(() => {
                if (aIn) arena.write(aAt + (r0 * g.lda) * 4, g.a, aLo + r0 * g.lda, aLo + (r1 - 1) * g.lda + k);
                if (cIn) arena.write(cAt + (r0 * g.ldc) * 4, g.c, cLo + r0 * g.ldc, cLo + (r1 - 1) * g.ldc + n);
              });
            }
            raise(ready, c);
          }
        } finally {
          // should a copy throw, release the workers anyway (runWith rethrows once they are done)
          for (; kb < bBlocks; kb++) raise(bReady, kb);
          for (; c < plan.chunks; c++) raise(ready, c);
        }
      }
      // take chunks like the workers do, and copy finished ones out between our own
      const i32 = arena.i32;
      const main = ctx.main;
      main.gemm_pack_b_shared(ctx.params);
      // wait here for the packing tasks the workers took, so that gemm_chunk does not (it would block in wasm,
      // which a browser's main thread may not)
      if (!waitAtLeast(ctx, ctx.params + 4 * P.packDone, main.gemm_pack_b_tasks(ctx.params))) return;
      let copied = 0;
      for (;;) {
        const c = Atomics.add(i32, (ctx.params >> 2) + P.next, 1);
        if (c >= plan.chunks) break;
        main.gemm_chunk(ctx.params, c, ...(buffers(ctx, 0) as [number, number, number]));
        if (streamOut) {
          while (copied < plan.chunks && Atomics.load(i32, (done >> 2) + copied) === 1) {
            const cc = copied++;
            copy(() => copyOutChunk(ctx, g, plan, cc, cAt, cLo));
          }
        }
      }
      if (streamOut) {
        for (; copied < plan.chunks; copied++) {
          if (!waitFlag(ctx, done, copied)) return; // a worker failed: runWith throws
          const cc = copied;
          copy(() => copyOutChunk(ctx, g, plan, cc, cAt, cLo));
        }
      }
    }, workerTasks);
    if (!streamOut) copy(copyOutAll);
  }
  const total = performance.now() - t0;
  ctx.stats.calls++;
  ctx.stats.copyMs += copyMs;
  ctx.stats.computeMs += total - copyMs;
}

function writeParams(ctx: GemmContext, g: ResolvedGemm, a: number, b: number, c: number, plan: Plan, ready: number,
  done: number, packedB: number, starts: number, bReady: number): void {
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
  i32[p + P.starts] = starts;
  i32[p + P.next] = 0;
  i32[p + P.done] = done;
  i32[p + P.ready] = ready;
  i32[p + P.packedB] = packedB;
  i32[p + P.packNext] = 0;
  i32[p + P.packDone] = 0;
  i32[p + P.bReady] = bReady;
}

/** Rows [r0, r1) of C that row chunk c covers. */
function chunkRows(ctx: GemmContext, g: ResolvedGemm, plan: Plan, c: number): [number, number] {
  return [plan.starts[c] * ctx.mr, Math.min(g.m, plan.starts[c + 1] * ctx.mr)];
}

/** Waits until flag c at byte address `flags` is up; false if the workers stopped without raising it. */
function waitFlag(ctx: GemmContext, flags: number, c: number): boolean {
  return waitAtLeast(ctx, flags + 4 * c, 1);
}

/** Waits until the int32 at byte address `at` is at least `value`; false if the workers stopped first. */
function waitAtLeast(ctx: GemmContext, at: number, value: number): boolean {
  const i32 = ctx.arena.i32;
  const i = at >> 2;
  for (let seen; (seen = Atomics.load(i32, i)) < value;) {
    if (ctx.pool.workersFinished() && Atomics.load(i32, i) < value) return false;
    if (ctx.pool.blocking) Atomics.wait(i32, i, seen, 20);
  }
  return true;
}

/** Copies chunk c's C out of wasm memory: rows of one matrix (kind 1) or whole stacked batches (kind 0). */
function copyOutChunk(ctx: GemmContext, g: ResolvedGemm, plan: Plan, c: number, cAt: number, cLo: number): void {
  let first: number, last: number; // elements relative to C's element 0 of batch 0
  if (plan.kind === 0) {
    const b0 = plan.starts[c];
    const b1 = plan.starts[c + 1];
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
  /** chunks of 0: batches, 1: row panels, 2: column panels; chunk c covers units [starts[c], starts[c + 1]) */
  kind: number;
  starts: number[];
  threads: number;
  /** A's and C's rows are copied in chunk by chunk while the threads compute (row chunks of one plain A) */
  streamIn: boolean;
  /** C is copied out chunk by chunk as chunks finish (each chunk's C is one contiguous block) */
  streamOut: boolean;
  /** op(B) is packed once, by all threads together, for all row chunks (gemm.c: GemmParams.packedB) */
  shareB: boolean;
}

/**
 * How one call is split. Small calls run on the calling thread alone. Larger ones are cut into chunks of whole
 * batches, row panels or column panels that the threads take in turn (gemm_chunks): a thread that the machine
 * slows down takes fewer. Every element of C comes out the same whichever thread computes it (gemm.c), so the
 * result does not depend on who took which chunk. Row chunks of one product share one packing of B (the threads
 * pack it together first), so they can be small: guided sizes, big first and small last. Column chunks duplicate
 * the packing of A (and row chunks of a batched product that of B), so they are even and fewer. Rows are
 * preferred, since their A and C are contiguous and can be copied in and out while other chunks compute.
 * A product of at most MR rows has one row panel, so it is split by columns; where nothing is packed (gemm.c's
 * dot path, x·Wᵀ of up to 4 rows: decoding's, beam search's; its small-m path, other one-row products) each
 * thread streams its own rows of the weight.
 */
function partition(ctx: GemmContext, g: ResolvedGemm, layout: "apart" | "same" | "overlap"): Plan {
  const { m, n, k, batch } = g;
  const T = ctx.pool.threads;
  const whole: Plan = { chunks: 0, kind: 0, starts: [], threads: 1, streamIn: false, streamOut: false, shareB: false };
  const flops = 2 * m * n * Math.max(k, 1) * batch;
  // a one-row product (gemm.c's dot or small-m path) streams its weight at memory speed, so a quarter of the flops
  // already pays for waking the workers
  const minFlops = m === 1 ? PARALLEL_MIN_FLOPS / 4 : PARALLEL_MIN_FLOPS;
  if (T === 1 || flops < minFlops || layout === "overlap") return whole;
  const unitsN = Math.ceil(n / ctx.nr);
  const unitsM = Math.ceil(m / ctx.mr);
  let kind: number, units: number;
  if (layout === "apart" && batch >= 2 * T) [kind, units] = [0, batch];
  else if (unitsM >= 2 * T && (m >= n / 4 || unitsN < 2 * T)) [kind, units] = [1, unitsM];
  else if (unitsN >= 2 * T) [kind, units] = [2, unitsN];
  else if (unitsN >= unitsM) [kind, units] = [2, unitsN];
  else [kind, units] = [1, unitsM];
  const blocks = g.strideC > 0 && g.strideC >= (m - 1) * g.ldc + n; // batches of C one after another
  const shareB = kind === 1 && batch === 1 && k > 0;
  let starts: number[];
  if (shareB) {
    // B is packed once for all chunks, so a chunk costs little more than its flops: guided sizes, big first and
    // small last, so that the threads finish together
    const minUnits = Math.max(Math.ceil(MIN_SHARED_CHUNK_ROWS / ctx.mr), Math.ceil(MIN_CHUNK_FLOPS / (2 * ctx.mr * n * k)));
    starts = [0];
    for (let at = 0; at < units;) {
      at = Math.min(units, at + Math.max(minUnits, Math.ceil((units - at) / (GUIDED_SHARE * T))));
      starts.push(at);
    }
  } else {
    const minUnits = kind === 0 ? 1 : Math.ceil(MIN_CHUNK_WIDTH / (kind === 1 ? ctx.mr : ctx.nr));
    const wanted = Math.max(T, Math.min(CHUNKS_PER_THREAD * T, Math.floor(flops / MIN_CHUNK_FLOPS), Math.floor(units / minUnits)));
    const size = Math.ceil(units / wanted);
    starts = Array.from({ length: Math.ceil(units / size) + 1 }, (_, c) => Math.min(units, c * size));
  }
  const chunks = starts.length - 1;
  if (chunks < 2) return whole;
  return {
    chunks, kind, starts,
    threads: Math.min(T, chunks),
    streamIn: kind === 1 && batch === 1 && !g.transA && k > 0,
    streamOut: kind === 1 ? batch === 1 : kind === 0 && blocks,
    shareB,
  };
}

function buffers(ctx: GemmContext, t: number): number[] {
  const b = ctx.buffers[t];
  return [b.packA, b.packB, b.tmp];
}
