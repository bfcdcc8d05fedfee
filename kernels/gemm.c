/*
 * Single-precision GEMM, BLIS style: op(B) is packed into kc×NR column panels (for a split into row chunks, once
 * per call by all threads together: gemm_pack_b_shared), op(A) into MR×kc row panels,
 * and a register-blocked micro-kernel keeps an MR×NR tile of C in MR·NR/4 f32x4 accumulators. MR = 4, NR = 8:
 * 8 accumulators + 2 B vectors + 4 broadcast A values = 14 of the 15 xmm registers V8 allocates on x64. V8 loads
 * all of a step's operands up front, so a 6×8 tile (12 accumulators + 8 operands) spills and runs at half the
 * speed; 4×8 runs at the FMA units' limit (bench/README.md). The loop is left for V8 to unroll: unrolled in the
 * wasm, its loads get hoisted across steps and spill too. KC, MC and NC size the packed blocks for a 32 KiB L1
 * (a kc×NR panel of B: 8 KiB), a 512 KiB L2 (the MC×KC block of A: 144 KiB) and the L3 (the KC×NC block of B).
 * The macros can be overridden for tuning experiments (build.sh's EXTRA).
 *
 * Every element of C is summed in the same order whatever part of C a thread computes (the k loop is always cut
 * at multiples of KC from 0), so the result does not depend on how the JavaScript side splits the work, as long
 * as it splits rows at multiples of MR and columns at multiples of NR.
 */
#include "common.h"

#ifndef MR
#define MR 4
#endif
#ifndef NV
#define NV 2
#endif
#define NR (4 * NV)
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 144
#endif
#ifndef NC
#define NC 2048
#endif

/* The parameter block the JavaScript side writes (gemm.ts: GEMM_PARAMS layout), all 32-bit. */
typedef struct {
  int transA, transB;
  int m, n, k;
  float *a, *b, *c; /* element 0 of batch 0, offsets applied */
  int lda, ldb, ldc;
  int strideA, strideB, strideC;
  float alpha, beta;
  int batch;
  /* dynamic split (gemm_chunks): chunk c covers units [starts[c], starts[c + 1]) of batches (kind 0), row
   * panels of MR (kind 1) or column panels of NR (kind 2); `next` is the next chunk nobody has taken yet */
  int chunks, chunkKind;
  int *starts;
  int next;
  /* null, or one int per chunk, set to 1 (and notified) once the chunk is in C: the caller copies finished
   * chunks out of the memory while the other threads still compute */
  int *done;
  /* null, or one int per chunk, set to 1 by the caller once the chunk's operands are in memory (it copies them in
   * while the threads already compute the first chunks); a thread waits on it before it computes the chunk */
  int *ready;
  /* null, or op(B) packed once for all row chunks (batch 1): ceil(k/KC) blocks of kc×nPad (nPad = n rounded up to
   * NR), each ceil(n/NR) panels of kc×NR, so that the threads do not each re-pack all of B for every row chunk.
   * The threads pack it together first (gemm_pack_b_shared): `packNext` is the next packing task nobody has
   * taken yet, `packDone` counts the finished ones. */
  float *packedB;
  int packNext, packDone;
  /* null, or one int per KC block of op(B), set to 1 by the caller once that block is in memory (it copies B in
   * while the threads already pack the first blocks); a packing task waits on it */
  int *bReady;
} GemmParams;

/* Sleeps until *p may have changed from `seen`. A function of its own that uses nothing after the wait: V8 11.3's
 * baseline compiler (Liftoff, which runs a function until it is optimized) clobbers the function's locals across
 * memory.atomic.wait32, so code after the wait in the same function read a wrong pointer or size (seen as a
 * thread that never woke, or B packed from nothing); a call keeps the caller's locals safe. */
__attribute__((noinline)) static void sleep_on(int *p, int seen) { __builtin_wasm_memory_atomic_wait32(p, seen, -1); }

/* Waits until *p ≥ value (GemmParams.ready, bReady, packDone). Threads that may not block never get here with the
 * condition unmet: the caller raises ready and bReady itself, and waits for packDone on its own side (gemm.ts). */
static void wait_at_least(int *p, int value) {
  for (int seen; (seen = __atomic_load_n(p, __ATOMIC_SEQ_CST)) < value;) sleep_on(p, seen);
}

/* Columns of B one shared packing task covers: small enough to spread over the threads, big enough that taking
 * a task costs nothing next to it. */
#define PACK_COLS 256

/* mode: 0 → C = alpha·acc; 1 → C = alpha·acc + beta·C; 2 → C = alpha·acc + C */
static void micro_kernel(int kc, const float *restrict pa, const float *restrict pb, float *restrict c, int ldc,
                         float alpha, float beta, int mode) {
  f4 acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[r][v] = SPLAT(0);
#pragma clang loop unroll(disable)
  for (int p = 0; p < kc; p++) {
    f4 bv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) bv[v] = LOAD(pb + 4 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      f4 a = wasm_v128_load32_splat(pa + r);
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; v++) acc[r][v] = MADD(a, bv[v], acc[r][v]);
    }
    pa += MR;
    pb += NR;
  }
  f4 va = SPLAT(alpha), vb = SPLAT(beta);
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++) {
    float *cr = c + r * ldc;
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      float *d = cr + 4 * v;
      if (mode == 0) STORE(d, wasm_f32x4_mul(va, acc[r][v]));
      else if (mode == 1) STORE(d, MADD(va, acc[r][v], wasm_f32x4_mul(vb, LOAD(d))));
      else STORE(d, MADD(va, acc[r][v], LOAD(d)));
    }
  }
}

/* Stores the transpose of the 4×4 block at s (rows ld apart) as 4 vectors of 4, `stride` floats apart. */
static inline void transpose4(const float *s, int ld, float *out, int stride) {
  f4 r0 = LOAD(s), r1 = LOAD(s + ld), r2 = LOAD(s + 2 * ld), r3 = LOAD(s + 3 * ld);
  f4 t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5); /* r0[0] r1[0] r0[1] r1[1] */
  f4 t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  f4 t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  f4 t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  STORE(out, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
  STORE(out + stride, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
  STORE(out + 2 * stride, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
  STORE(out + 3 * stride, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
}

/* Packs op(A)[i0 .. i0+mc)[p0 .. p0+kc) into ceil(mc/MR) panels of kc×MR, rows past mc zero. */
static void pack_a(const GemmParams *g, const float *a, int i0, int mc, int p0, int kc, float *restrict out) {
  int lda = g->lda;
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = imin(MR, mc - ir);
    if (!g->transA) {
      /* A stored m×k: row i is contiguous in p */
      const float *src = a + (i0 + ir) * lda + p0;
      if (rows == MR) {
        int p = 0;
#if MR % 4 == 0
        for (; p + 4 <= kc; p += 4) {
#pragma clang loop unroll(full)
          for (int r = 0; r < MR; r += 4) transpose4(src + r * lda + p, lda, out + r, MR);
          out += 4 * MR;
        }
#endif
        for (; p < kc; p++) {
#pragma clang loop unroll(full)
          for (int r = 0; r < MR; r++) out[r] = src[r * lda + p];
          out += MR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int r = 0; r < MR; r++) out[r] = r < rows ? src[r * lda + p] : 0.0f;
          out += MR;
        }
      }
    } else {
      /* A stored k×m: the MR values of one p are contiguous */
      const float *src = a + p0 * lda + i0 + ir;
      if (rows == MR) {
        for (int p = 0; p < kc; p++) {
          const float *s = src + p * lda;
#pragma clang loop unroll(full)
          for (int r = 0; r + 4 <= MR; r += 4) STORE(out + r, LOAD(s + r));
#pragma clang loop unroll(full)
          for (int r = MR & ~3; r < MR; r++) out[r] = s[r];
          out += MR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int r = 0; r < MR; r++) out[r] = r < rows ? src[p * lda + r] : 0.0f;
          out += MR;
        }
      }
    }
  }
}

/* Packs op(B)[p0 .. p0+kc)[j0 .. j0+nc) into ceil(nc/NR) panels of kc×NR, columns past nc zero. */
static void pack_b(const GemmParams *g, const float *b, int p0, int kc, int j0, int nc, float *restrict out) {
  int ldb = g->ldb;
  for (int jr = 0; jr < nc; jr += NR) {
    int cols = imin(NR, nc - jr);
    if (!g->transB && nc - jr >= 2 * NR) {
      /* two panels at once: each row of B then gives them a whole 64-byte line instead of half of one, which the
       * next panel would read again (rows ldb apart often fall in the same cache set, so it is gone by then) */
      const float *src = b + p0 * ldb + j0 + jr;
      float *out2 = out + kc * NR;
      for (int p = 0; p < kc; p++) {
        const float *s = src + p * ldb;
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) {
          STORE(out + 4 * v, LOAD(s + 4 * v));
          STORE(out2 + 4 * v, LOAD(s + NR + 4 * v));
        }
        out += NR;
        out2 += NR;
      }
      out = out2; /* past both panels */
      jr += NR;
      continue;
    }
    if (!g->transB) {
      /* B stored k×n: the NR values of one p are contiguous */
      const float *src = b + p0 * ldb + j0 + jr;
      if (cols == NR) {
        for (int p = 0; p < kc; p++) {
          const float *s = src + p * ldb;
#pragma clang loop unroll(full)
          for (int v = 0; v < NV; v++) STORE(out + 4 * v, LOAD(s + 4 * v));
          out += NR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int c = 0; c < NR; c++) out[c] = c < cols ? src[p * ldb + c] : 0.0f;
          out += NR;
        }
      }
    } else {
      /* B stored n×k: column j of op(B) is row j of B, contiguous in p; transpose 4×4 blocks */
      const float *src = b + (j0 + jr) * ldb + p0;
      if (cols == NR) {
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
#pragma clang loop unroll(full)
          for (int v = 0; v < NV; v++) transpose4(src + (4 * v) * ldb + p, ldb, out + 4 * v, NR);
          out += 4 * NR;
        }
        for (; p < kc; p++) {
          for (int c = 0; c < NR; c++) out[c] = src[c * ldb + p];
          out += NR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int c = 0; c < NR; c++) out[c] = c < cols ? src[c * ldb + p] : 0.0f;
          out += NR;
        }
      }
    }
  }
}

/* Writes an edge tile (rows × cols of the MR×NR tile in tmp, computed with mode 0 and alpha 1) into C. */
static void store_edge(const float *tmp, float *c, int ldc, int rows, int cols, float alpha, float beta, int mode) {
  for (int r = 0; r < rows; r++) {
    for (int j = 0; j < cols; j++) {
      float v = alpha * tmp[r * NR + j];
      float *d = c + r * ldc + j;
      *d = mode == 0 ? v : mode == 1 ? v + beta * *d : v + *d;
    }
  }
}

/*
 * The small-m path (m ≤ SMALL_M rows of C, one-row products other than the dot path's x·Wᵀ below).
 * The blocked path would pack all of op(B) into panels and compute MR-row tiles for one row; this one reads each
 * element of B once, straight from where it is, and keeps the tile in registers. It computes exactly the bits
 * the blocked path computes (so such a row equals that row of a taller product, and any split agrees): each
 * element of C is the same chain per KC block, acc = MADD(op(A)[i][p], op(B)[p][j], acc) for p in order from
 * the block's start, lanes = 4 columns of one NR panel, and the block is folded into C with the same epilogue —
 * micro_kernel's vector one when the element's MR×NR tile is full, store_edge's scalar one when it is an edge
 * tile. For a transposed B the four values of one p come from four rows of B: 4×4 blocks transposed in
 * registers, as pack_b does in memory. The commonest one-row product, x·Wᵀ with A plain, takes the dot path
 * below instead (faster, other bits); this one keeps the rest (B plain, or A transposed). SMALL_M is 1: for
 * 2–4 rows this path, even with the transposition shared by the rows, measured slower than the blocked path's
 * full 4-row tiles.
 */
#ifndef SMALL_M
#define SMALL_M 1
#endif
#if SMALL_M > MR
#error "gemm_small's rows must be one row panel"
#endif
#if NR != 8
#error "gemm_small computes panels of 8 columns (NV = 2)"
#endif

/* Folds one KC block's sums for row i of C, columns [j, j + cols) (acc0: j..j+3, acc1: j+4..j+7), into C. */
static void small_store(f4 acc0, f4 acc1, float *c, int cols, int full, float alpha, float beta, int mode,
                        float *tmp) {
  if (full) {
    f4 va = SPLAT(alpha), vb = SPLAT(beta);
    if (mode == 0) {
      STORE(c, wasm_f32x4_mul(va, acc0));
      STORE(c + 4, wasm_f32x4_mul(va, acc1));
    } else if (mode == 1) {
      STORE(c, MADD(va, acc0, wasm_f32x4_mul(vb, LOAD(c))));
      STORE(c + 4, MADD(va, acc1, wasm_f32x4_mul(vb, LOAD(c + 4))));
    } else {
      STORE(c, MADD(va, acc0, LOAD(c)));
      STORE(c + 4, MADD(va, acc1, LOAD(c + 4)));
    }
  } else {
    /* micro_kernel's edge tile: alpha 1, mode 0 into tmp, then store_edge */
    f4 one = SPLAT(1.0f);
    STORE(tmp, wasm_f32x4_mul(one, acc0));
    STORE(tmp + 4, wasm_f32x4_mul(one, acc1));
    store_edge(tmp, c, NR, 1, cols, alpha, beta, mode);
  }
}

/* The four floats of column block q0..q3 (rows of a transposed B) at p, one per row: a tail step of the k loop. */
static inline f4 gather4(const float *q0, const float *q1, const float *q2, const float *q3, int p) {
  f4 v = wasm_f32x4_splat(q0[p]);
  v = wasm_f32x4_replace_lane(v, 1, q1[p]);
  v = wasm_f32x4_replace_lane(v, 2, q2[p]);
  return wasm_f32x4_replace_lane(v, 3, q3[p]);
}

/* op(B)[p][j .. j+cnt) for a plain B (row p contiguous), cnt 0..4, zeros past cnt: nothing past it is read. */
static inline f4 load_cols(const float *s, int cnt) {
  if (cnt >= 4) return LOAD(s);
  if (cnt <= 0) return SPLAT(0.0f);
  return load_tail(s, cnt);
}

/* C[i0..i1)[j0..j1) of one matrix by the small-m path; j0 a multiple of NR (gemm_run's contract). */
static void gemm_small(const GemmParams *g, const float *a, const float *b, float *c, int i0, int i1, int j0, int j1,
                       float *tmp) {
  int k = g->k, ldb = g->ldb, ldc = g->ldc, n = g->n;
  /* op(A)[i][p] = a[i * ai + p * ap] */
  int ai = g->transA ? 1 : g->lda, ap = g->transA ? g->lda : 1;
  float alpha = g->alpha, beta = g->beta;
  for (int j = j0; j < j1; j += NR) {
    int cols = imin(NR, j1 - j);
    int fullCols = j + NR <= n;
    /* a transposed B: the NR rows of B the panel reads, past n the panel's first (their lanes are dropped) */
    const float *r0 = b + j * ldb;
    const float *r1 = cols > 1 ? r0 + ldb : r0, *r2 = cols > 2 ? r0 + 2 * ldb : r0;
    const float *r3 = cols > 3 ? r0 + 3 * ldb : r0, *r4 = cols > 4 ? r0 + 4 * ldb : r0;
    const float *r5 = cols > 5 ? r0 + 5 * ldb : r0, *r6 = cols > 6 ? r0 + 6 * ldb : r0;
    const float *r7 = cols > 7 ? r0 + 7 * ldb : r0;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = imin(KC, k - pc);
      int mode = pc > 0 ? 2 : beta == 0.0f ? 0 : 1;
      for (int i = i0; i < i1; i++) {
        const float *x = a + i * ai + pc * ap;
        int full = fullCols && i / MR * MR + MR <= g->m;
        f4 acc0 = SPLAT(0), acc1 = SPLAT(0);
        if (g->transB) {
          int p = 0;
#pragma clang loop unroll(disable)
          for (; p + 4 <= kc; p += 4) {
            int q = pc + p;
            f4 x0 = wasm_v128_load32_splat(x), x1 = wasm_v128_load32_splat(x + ap);
            f4 x2 = wasm_v128_load32_splat(x + 2 * ap), x3 = wasm_v128_load32_splat(x + 3 * ap);
            x += 4 * ap;
            f4 u0 = LOAD(r0 + q), u1 = LOAD(r1 + q), u2 = LOAD(r2 + q), u3 = LOAD(r3 + q);
            f4 t0 = wasm_i32x4_shuffle(u0, u1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(u2, u3, 0, 4, 1, 5);
            f4 t2 = wasm_i32x4_shuffle(u0, u1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(u2, u3, 2, 6, 3, 7);
            acc0 = MADD(x0, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5), acc0);
            acc0 = MADD(x1, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7), acc0);
            acc0 = MADD(x2, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5), acc0);
            acc0 = MADD(x3, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7), acc0);
            f4 w0 = LOAD(r4 + q), w1 = LOAD(r5 + q), w2 = LOAD(r6 + q), w3 = LOAD(r7 + q);
            f4 s0 = wasm_i32x4_shuffle(w0, w1, 0, 4, 1, 5), s1 = wasm_i32x4_shuffle(w2, w3, 0, 4, 1, 5);
            f4 s2 = wasm_i32x4_shuffle(w0, w1, 2, 6, 3, 7), s3 = wasm_i32x4_shuffle(w2, w3, 2, 6, 3, 7);
            acc1 = MADD(x0, wasm_i32x4_shuffle(s0, s1, 0, 1, 4, 5), acc1);
            acc1 = MADD(x1, wasm_i32x4_shuffle(s0, s1, 2, 3, 6, 7), acc1);
            acc1 = MADD(x2, wasm_i32x4_shuffle(s2, s3, 0, 1, 4, 5), acc1);
            acc1 = MADD(x3, wasm_i32x4_shuffle(s2, s3, 2, 3, 6, 7), acc1);
          }
          for (; p < kc; p++) {
            int q = pc + p;
            f4 xv = wasm_v128_load32_splat(x);
            x += ap;
            acc0 = MADD(xv, gather4(r0, r1, r2, r3, q), acc0);
            acc1 = MADD(xv, gather4(r4, r5, r6, r7, q), acc1);
          }
        } else {
          /* B stored k×n: the panel's NR values of one p are contiguous */
          const float *s = b + pc * ldb + j;
          if (cols == NR) {
#pragma clang loop unroll(disable)
            for (int p = 0; p < kc; p++) {
              f4 xv = wasm_v128_load32_splat(x);
              x += ap;
              acc0 = MADD(xv, LOAD(s), acc0);
              acc1 = MADD(xv, LOAD(s + 4), acc1);
              s += ldb;
            }
          } else {
            for (int p = 0; p < kc; p++) {
              f4 xv = wasm_v128_load32_splat(x);
              x += ap;
              acc0 = MADD(xv, load_cols(s, cols), acc0);
              acc1 = MADD(xv, load_cols(s + 4, cols - 4), acc1);
              s += ldb;
            }
          }
        }
        small_store(acc0, acc1, c + i * ldc + j, cols, full, alpha, beta, mode, tmp);
      }
    }
  }
}

/*
 * The dot path: m ≤ DOT_M rows of C times a transposed B, A not transposed (x·Wᵀ with W stored (out, in):
 * every decoding step's products). Each element of C is the dot product of two contiguous rows, x and one row of
 * W, so nothing is transposed or packed: four lanes run along k, and DOTS rows of W are in flight at once
 * (DOTS accumulators). gemm_small's panel-lane order needs a 4×4 transposition per four floats of W and keeps
 * only two accumulators, whose FMA latency then bounds it (~7 GFLOPS a thread with W in cache); this path
 * measured 12–20 GFLOPS on decoding's shapes in cache, and took one-thread cached greedy decoding of the small
 * preset from 274 to 360–377 tokens/s, W streaming from memory (bench/README.md). (Software prefetching, as
 * native/gemm.cc's dots8 does, is not available: wasm has none, and volatile loads standing in for one measured
 * slower.) Its sums are in another order than the blocked path's, so a one-row product no longer equals that
 * row of a taller product bit for bit (cached and uncached decoding agree to rounding, as on the native
 * backend). The path is chosen by shape alone and every element's order is fixed — lanes of p mod 4 over the
 * first k − k mod 4, folded (l0 + l2) + (l1 + l3) (hsum), then the tail in order — so the bits do not depend on
 * how the columns are split over threads.
 * Products of 2–4 rows (beam search's steps, a batch of a few sentences) take it too, in the same order per
 * element, columns outer so that each block of weight rows comes from memory once for all the rows (dots_2x4,
 * dots_1x4): the blocked path spent twice its multiply-adds' time packing B, and with two threads this path runs
 * 4 × 8000 × 256 in 0.70–0.77 ms against 0.93–0.99 (bench/README.md). Such a row equals the same row computed
 * alone, bit for bit.
 */
#ifndef DOT_M
#define DOT_M 4
#endif
#if DOT_M > MR
#error "the dot path's rows must be one row panel (gemm.ts splits such products by columns)"
#endif

/* alpha·dot (+ beta·C): the epilogue of one element; C is not read when beta is 0 (it may hold anything). */
static inline void dot_store(float *c, float dot, float alpha, float beta) {
  *c = beta == 0.0f ? alpha * dot : alpha * dot + beta * *c;
}

/* x · y over k floats, in the dot path's order. */
static inline float dot1(const float *x, const float *y, int k) {
  f4 s = SPLAT(0);
  int p = 0;
#pragma clang loop unroll(disable)
  for (; p + 4 <= k; p += 4) s = MADD(LOAD(x + p), LOAD(y + p), s);
  float r = hsum(s);
  for (; p < k; p++) r += x[p] * y[p];
  return r;
}

/* c[0..DOTS) = alpha · (x · y_r) (+ beta · c) for the DOTS rows y + r·ldy, each in dot1's order. DOTS is 6:
 * V8 loads all of a step's operands before its multiply-adds, so eight rows (8 accumulators + x + 8 operands)
 * spill one accumulator to the stack, whose store-to-load latency then bounds the loop; six fit the 15 xmm
 * registers it allocates. */
#define DOTS 6
static void dots_rows(const float *x, const float *y, int ldy, int k, float *c, float alpha, float beta) {
  const float *y0 = y, *y1 = y + ldy, *y2 = y + 2 * ldy, *y3 = y + 3 * ldy, *y4 = y + 4 * ldy, *y5 = y + 5 * ldy;
  f4 s0 = SPLAT(0), s1 = SPLAT(0), s2 = SPLAT(0), s3 = SPLAT(0), s4 = SPLAT(0), s5 = SPLAT(0);
  int p = 0;
#pragma clang loop unroll(disable)
  for (; p + 4 <= k; p += 4) {
    f4 xv = LOAD(x + p);
    s0 = MADD(xv, LOAD(y0 + p), s0);
    s1 = MADD(xv, LOAD(y1 + p), s1);
    s2 = MADD(xv, LOAD(y2 + p), s2);
    s3 = MADD(xv, LOAD(y3 + p), s3);
    s4 = MADD(xv, LOAD(y4 + p), s4);
    s5 = MADD(xv, LOAD(y5 + p), s5);
  }
  float r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3), r4 = hsum(s4), r5 = hsum(s5);
  for (; p < k; p++) {
    float xp = x[p];
    r0 += xp * y0[p];
    r1 += xp * y1[p];
    r2 += xp * y2[p];
    r3 += xp * y3[p];
    r4 += xp * y4[p];
    r5 += xp * y5[p];
  }
  dot_store(c, r0, alpha, beta);
  dot_store(c + 1, r1, alpha, beta);
  dot_store(c + 2, r2, alpha, beta);
  dot_store(c + 3, r3, alpha, beta);
  dot_store(c + 4, r4, alpha, beta);
  dot_store(c + 5, r5, alpha, beta);
}

/* c0[r] = alpha · (x0 · y_r), c1[r] = alpha · (x1 · y_r) (+ beta · c) for the 4 rows y + r·ldy, in dot1's order:
 * each load of a weight row serves both rows of A, and eight accumulators (+ 2 x + 4 y: 14 registers) fit. */
static void dots_2x4(const float *x0, const float *x1, const float *y, int ldy, int k, float *c0, float *c1,
                     float alpha, float beta) {
  const float *y0 = y, *y1 = y + ldy, *y2 = y + 2 * ldy, *y3 = y + 3 * ldy;
  f4 s00 = SPLAT(0), s01 = SPLAT(0), s02 = SPLAT(0), s03 = SPLAT(0);
  f4 s10 = SPLAT(0), s11 = SPLAT(0), s12 = SPLAT(0), s13 = SPLAT(0);
  int p = 0;
#pragma clang loop unroll(disable)
  for (; p + 4 <= k; p += 4) {
    f4 a0 = LOAD(x0 + p), a1 = LOAD(x1 + p), w;
    w = LOAD(y0 + p);
    s00 = MADD(a0, w, s00);
    s10 = MADD(a1, w, s10);
    w = LOAD(y1 + p);
    s01 = MADD(a0, w, s01);
    s11 = MADD(a1, w, s11);
    w = LOAD(y2 + p);
    s02 = MADD(a0, w, s02);
    s12 = MADD(a1, w, s12);
    w = LOAD(y3 + p);
    s03 = MADD(a0, w, s03);
    s13 = MADD(a1, w, s13);
  }
  float r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
  float r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
  for (; p < k; p++) {
    r00 += x0[p] * y0[p];
    r01 += x0[p] * y1[p];
    r02 += x0[p] * y2[p];
    r03 += x0[p] * y3[p];
    r10 += x1[p] * y0[p];
    r11 += x1[p] * y1[p];
    r12 += x1[p] * y2[p];
    r13 += x1[p] * y3[p];
  }
  dot_store(c0, r00, alpha, beta);
  dot_store(c0 + 1, r01, alpha, beta);
  dot_store(c0 + 2, r02, alpha, beta);
  dot_store(c0 + 3, r03, alpha, beta);
  dot_store(c1, r10, alpha, beta);
  dot_store(c1 + 1, r11, alpha, beta);
  dot_store(c1 + 2, r12, alpha, beta);
  dot_store(c1 + 3, r13, alpha, beta);
}

/* c[r] = alpha · (x · y_r) (+ beta · c) for the 4 rows y + r·ldy, in dot1's order: the odd row of dots_2x4's pairs. */
static void dots_1x4(const float *x, const float *y, int ldy, int k, float *c, float alpha, float beta) {
  const float *y0 = y, *y1 = y + ldy, *y2 = y + 2 * ldy, *y3 = y + 3 * ldy;
  f4 s0 = SPLAT(0), s1 = SPLAT(0), s2 = SPLAT(0), s3 = SPLAT(0);
  int p = 0;
#pragma clang loop unroll(disable)
  for (; p + 4 <= k; p += 4) {
    f4 xv = LOAD(x + p);
    s0 = MADD(xv, LOAD(y0 + p), s0);
    s1 = MADD(xv, LOAD(y1 + p), s1);
    s2 = MADD(xv, LOAD(y2 + p), s2);
    s3 = MADD(xv, LOAD(y3 + p), s3);
  }
  float r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
  for (; p < k; p++) {
    float xp = x[p];
    r0 += xp * y0[p];
    r1 += xp * y1[p];
    r2 += xp * y2[p];
    r3 += xp * y3[p];
  }
  dot_store(c, r0, alpha, beta);
  dot_store(c + 1, r1, alpha, beta);
  dot_store(c + 2, r2, alpha, beta);
  dot_store(c + 3, r3, alpha, beta);
}

/* C[i0..i1)[j0..j1) of one matrix by the dot path. */
static void gemm_dots(const GemmParams *g, const float *a, const float *b, float *c, int i0, int i1, int j0, int j1) {
  int k = g->k, lda = g->lda, ldb = g->ldb, ldc = g->ldc;
  float alpha = g->alpha, beta = g->beta;
  int j = j0;
  if (i1 - i0 == 1) {
    for (; j + DOTS <= j1; j += DOTS) dots_rows(a + i0 * lda, b + j * ldb, ldb, k, c + i0 * ldc + j, alpha, beta);
  } else {
    for (; j + 4 <= j1; j += 4) {
      const float *y = b + j * ldb;
      int i = i0;
      for (; i + 2 <= i1; i += 2)
        dots_2x4(a + i * lda, a + (i + 1) * lda, y, ldb, k, c + i * ldc + j, c + (i + 1) * ldc + j, alpha, beta);
      if (i < i1) dots_1x4(a + i * lda, y, ldb, k, c + i * ldc + j, alpha, beta);
    }
  }
  for (; j < j1; j++)
    for (int i = i0; i < i1; i++) dot_store(c + i * ldc + j, dot1(a + i * lda, b + j * ldb, k), alpha, beta);
}

/*
 * C[b][i0..i1)[j0..j1) for batches b0..b1-1 of the GEMM described at `g`. packA needs MC·KC floats, packB KC·NC,
 * tmp MR·NR; each thread passes its own. i0 must be a multiple of MR and j0 of NR (see the header comment).
 */
void EXPORT(gemm_run)(GemmParams *g, int b0, int b1, int i0, int i1, int j0, int j1, float *packA,
                      float *packB, float *tmp) {
  int k = g->k, ldc = g->ldc;
  int nPad = (g->n + NR - 1) / NR * NR;
  float alpha = g->alpha, beta = g->beta;
  for (int bi = b0; bi < b1; bi++) {
    const float *a = g->a + bi * g->strideA;
    const float *b = g->b + bi * g->strideB;
    float *c = g->c + bi * g->strideC;
    if (k == 0) {
      for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
      continue;
    }
    if (g->m <= DOT_M && g->transB && !g->transA) {
      gemm_dots(g, a, b, c, i0, i1, j0, j1);
      continue;
    }
    if (g->m <= SMALL_M) {
      gemm_small(g, a, b, c, i0, i1, j0, j1, tmp);
      continue;
    }
    for (int jc = j0; jc < j1; jc += NC) {
      int nc = imin(NC, j1 - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = imin(KC, k - pc);
        int mode = pc > 0 ? 2 : beta == 0.0f ? 0 : 1;
        /* the shared packing holds all of op(B) (batch 1 only): its block for pc, from column jc on */
        const float *pbBlock = g->packedB ? g->packedB + pc * nPad + jc * kc : packB;
        if (!g->packedB) pack_b(g, b, pc, kc, jc, nc, packB);
        for (int ic = i0; ic < i1; ic += MC) {
          int mc = imin(MC, i1 - ic);
          pack_a(g, a, ic, mc, pc, kc, packA);
          for (int jr = 0; jr < nc; jr += NR) {
            int cols = imin(NR, nc - jr);
            const float *pb = pbBlock + jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
              int rows = imin(MR, mc - ir);
              float *cij = c + (ic + ir) * ldc + jc + jr;
              if (rows == MR && cols == NR) {
                micro_kernel(kc, packA + ir * kc, pb, cij, ldc, alpha, beta, mode);
              } else {
                micro_kernel(kc, packA + ir * kc, pb, tmp, NR, 1.0f, 0.0f, 0);
                store_edge(tmp, cij, ldc, rows, cols, alpha, beta, mode);
              }
            }
          }
        }
      }
    }
  }
}

/* The number of shared packing tasks: PACK_COLS columns of one KC block each. */
static int pack_tasks(const GemmParams *g) {
  return (g->k + KC - 1) / KC * ((g->n + PACK_COLS - 1) / PACK_COLS);
}

/*
 * Takes tasks of the shared packing of op(B) (GemmParams.packedB) until none is left, without waiting for the
 * tasks other threads took: gemm_chunk waits for those. Every thread of a call runs this before its first chunk.
 */
void EXPORT(gemm_pack_b_shared)(GemmParams *g) {
  if (!g->packedB) return;
  int perBlock = (g->n + PACK_COLS - 1) / PACK_COLS, tasks = pack_tasks(g);
  int nPad = (g->n + NR - 1) / NR * NR;
  for (;;) {
    int t = __atomic_fetch_add(&g->packNext, 1, __ATOMIC_SEQ_CST);
    if (t >= tasks) return;
    int pc = t / perBlock * KC, kc = imin(KC, g->k - pc);
    int j0 = t % perBlock * PACK_COLS, nc = imin(PACK_COLS, g->n - j0);
    if (g->bReady) wait_at_least(&g->bReady[t / perBlock], 1);
    pack_b(g, g->b, pc, kc, j0, nc, g->packedB + pc * nPad + j0 * kc);
    __atomic_fetch_add(&g->packDone, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&g->packDone, -1u);
  }
}

/* Computes chunk c (see GemmParams), waiting first for its operands when the caller streams them in. */
void EXPORT(gemm_chunk)(GemmParams *g, int c, float *packA, float *packB, float *tmp) {
  if (g->packedB) wait_at_least(&g->packDone, pack_tasks(g));
  if (g->ready) wait_at_least(&g->ready[c], 1);
  int lo = g->starts[c], hi = g->starts[c + 1];
  if (g->chunkKind == 0) {
    gemm_run(g, lo, imin(hi, g->batch), 0, g->m, 0, g->n, packA, packB, tmp);
  } else if (g->chunkKind == 1) {
    gemm_run(g, 0, g->batch, lo * MR, imin(hi * MR, g->m), 0, g->n, packA, packB, tmp);
  } else {
    gemm_run(g, 0, g->batch, 0, g->m, lo * NR, imin(hi * NR, g->n), packA, packB, tmp);
  }
  if (g->done) {
    __atomic_store_n(&g->done[c], 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&g->done[c], 1);
  }
}

/*
 * Takes chunks of C (see GemmParams) until none is left: every thread of a call runs this with its own buffers,
 * so a thread that the machine slows down takes fewer chunks. Which thread computes a chunk does not change its
 * bits (header comment), so the result is the same whatever the timing.
 */
void EXPORT(gemm_chunks)(GemmParams *g, float *packA, float *packB, float *tmp) {
  gemm_pack_b_shared(g);
  for (;;) {
    int c = __atomic_fetch_add(&g->next, 1, __ATOMIC_SEQ_CST);
    if (c >= g->chunks) return;
    gemm_chunk(g, c, packA, packB, tmp);
  }
}

/* How many packing tasks gemm_pack_b_shared has for the call at g: the caller waits for them to be done. */
int EXPORT(gemm_pack_b_tasks)(const GemmParams *g) { return g->packedB ? pack_tasks(g) : 0; }

/* Sizes of the per-thread buffers, for the JavaScript side. */
int EXPORT(gemm_pack_a_floats)(void) { return MC * KC; }
int EXPORT(gemm_pack_b_floats)(void) { return KC * NC; }
int EXPORT(gemm_tile_floats)(void) { return MR * NR; }
int EXPORT(gemm_mr)(void) { return MR; }
int EXPORT(gemm_nr)(void) { return NR; }
int EXPORT(gemm_kc)(void) { return KC; }
