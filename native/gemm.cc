// Native GEMM for the Node backend: packed panels, a 6x16 AVX2/FMA micro-kernel, cache blocking (KC/MC/NC) and a
// small persistent thread pool with a fixed partition (tall products: the threads share one packed B). Only the kernel functions are compiled for AVX2/FMA (by
// pragma), so the module's initialisation runs on any x86-64 and can refuse to load where the CPU lacks them.
//
// Every element of C gets the same arithmetic whatever the partition (the sum runs over k in KC blocks in the same
// order, then alpha and beta), so results are bit-identical run to run and across thread counts.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TN_X86 1
#endif

namespace tn {

// Blocking for Zen3-class cores (L1d 32 KiB, L2 512 KiB, shared L3): the MC x KC block of A (192 KiB) stays in L2,
// the KC x NR micro-panel of B streams through L1, the KC x NC block of B (4 MiB) sits in L3. KC = 512 rather than
// 256: C is read and written once per KC slice (and, with several threads, each slice costs two barriers), so k = 1024
// takes 2 passes instead of 4; on one Zen3 thread KC 256..512 measured alike.
static const int MR = 6, NR = 16, KC = 512, MC = 96, NC = 2048;

// ------------------------------------------------------------------------------------------------ thread pool
// Jobs are split into chunks that threads take in turn from a counter; a worker that wakes late (the machine is
// busy) finds the chunks taken and the caller never waits for it. Which thread computes a chunk does not change
// its bits, so results stay reproducible.
class Pool {
 public:
  // Runs f(chunk) for chunk in 0..chunks-1 on the calling thread and up to nt - 1 workers (ensure()).
  void run(int nt, int chunks, const std::function<void(int)>& f) {
    next_.store(0, std::memory_order_relaxed);
    chunks_ = chunks;
    job_ = &f;
    ctl_.store(0, std::memory_order_release);  // open: workers may join
    uint64_t gen = (word_.load(std::memory_order_relaxed) >> 16) + 1;
    word_.store((gen << 16) | uint64_t(nt));  // seq_cst, as sleeping_: no lost wake-up
    if (sleeping_.load() > 0) {
      { std::lock_guard<std::mutex> lk(mu_); }
      cv_.notify_all();
    }
    work();
    ctl_.fetch_or(CLOSED, std::memory_order_acq_rel);  // no one joins now; wait for those who did
    while ((ctl_.load(std::memory_order_acquire) & ~CLOSED) != 0) pause();
  }
  void ensure(int workers) {
    while (int(workers_.size()) < workers) {
      int idx = int(workers_.size()) + 1;
      uint64_t seen = word_.load(std::memory_order_acquire) >> 16;
      workers_.emplace_back([this, idx, seen] { loop(idx, seen); });
      workers_.back().detach();
    }
  }
  int size() const { return int(workers_.size()); }

 private:
  static const int64_t CLOSED = int64_t(1) << 40;
  static inline void pause() {
#ifdef TN_X86
    _mm_pause();
#endif
  }
  void work() {
    for (;;) {
      int c = next_.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks_) return;
      (*job_)(c);
    }
  }
  void loop(int idx, uint64_t seen) {
    for (;;) {
      uint64_t w = word_.load(std::memory_order_acquire);
      for (int spin = 0; (w >> 16) == seen && spin < 4000; spin++) {
        pause();
        w = word_.load(std::memory_order_acquire);
      }
      if ((w >> 16) == seen) {
        std::unique_lock<std::mutex> lk(mu_);
        sleeping_.fetch_add(1);
        cv_.wait(lk, [&] { return (word_.load() >> 16) != seen; });
        sleeping_.fetch_sub(1, std::memory_order_acq_rel);
        w = word_.load(std::memory_order_acquire);
      }
      seen = w >> 16;
      if (idx >= int(w & 0xffff)) continue;
      int64_t v = ctl_.load(std::memory_order_acquire);
      bool joined = false;
      while (!(v & CLOSED)) {
        if (ctl_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) {
          joined = true;
          break;
        }
      }
      if (!joined) continue;
      work();
      ctl_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> word_{0};           // generation << 16 | threads of the current job
  std::atomic<int64_t> ctl_{CLOSED};        // CLOSED | workers inside the current job
  std::atomic<int> next_{0};                // the next chunk to take
  std::atomic<int> sleeping_{0};
  int chunks_ = 0;
  const std::function<void(int)>* job_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
};

static Pool* pool() {
  static Pool* p = new Pool();  // never destroyed: its (detached) workers sleep at exit
  return p;
}
static std::mutex pool_mutex;  // one GEMM at a time on the pool (other JS threads run single-threaded)

// packing buffers, one pair per OS thread (the pool's workers and any JS thread that calls in)
struct Buffers {
  float* a = nullptr;
  float* b = nullptr;
};

// Products with at most this many rows and B transposed (x·Wᵀ with W stored (out, in): every decoding step) are
// dot products of contiguous rows: packing all of W for one row of A would cost more than the arithmetic.
static const int SMALL_M = 4;

// Chosen by shape alone, so every thread split gives the same bits.
static bool dot_path(const Gemm& g) { return g.m <= SMALL_M && g.transB && !g.transA; }

static Buffers get_buffers() {
  thread_local Buffers b;
  if (!b.a) {
    b.a = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * MC * KC));
    b.b = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * KC * NC));
  }
  return b;
}

#ifdef TN_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")

// op(A)[ic.., pc..] (mc x kc) into MR-row panels, zero-padded: dst[panel][p][0..MR)
static void pack_a(const Gemm& g, const float* A, int ic, int pc, int mc, int kc, float* dst) {
  for (int ip = 0; ip < mc; ip += MR) {
    int rows = mc - ip < MR ? mc - ip : MR;
    if (g.transA) {  // element (i, p) at A[p*lda + i]: rows of the panel are contiguous per p
      for (int p = 0; p < kc; p++) {
        const float* src = A + int64_t(pc + p) * g.lda + ic + ip;
        int r = 0;
        for (; r < rows; r++) dst[r] = src[r];
        for (; r < MR; r++) dst[r] = 0.f;
        dst += MR;
      }
    } else {  // element (i, p) at A[i*lda + p]
      const float* src[MR];
      for (int r = 0; r < MR; r++) src[r] = A + int64_t(ic + ip + (r < rows ? r : 0)) * g.lda + pc;
      if (rows == MR) {
        int p = 0;
        // 8 values of p at a time: load 8 floats of each row, transpose, store the 8 columns of 6 one after another
        // (each 8-wide store spills 2 floats that the next one overwrites; the last one stores exactly 6): a few %
        // faster than the scalar gather where A is large next to the product (2048x256x1024).
        for (; p + 8 <= kc; p += 8) {
          __m256 r0 = _mm256_loadu_ps(src[0] + p), r1 = _mm256_loadu_ps(src[1] + p), r2 = _mm256_loadu_ps(src[2] + p),
                 r3 = _mm256_loadu_ps(src[3] + p), r4 = _mm256_loadu_ps(src[4] + p), r5 = _mm256_loadu_ps(src[5] + p);
          __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);  // r0[q] r1[q] pairs
          __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
          __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
          __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);  // rows 0-3 of q, q+4
          __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
          __m256 s4 = _mm256_shuffle_ps(t4, t4, 0x44), s5 = _mm256_shuffle_ps(t4, t4, 0xEE);  // rows 4-5 (twice)
          __m256 s6 = _mm256_shuffle_ps(t5, t5, 0x44), s7 = _mm256_shuffle_ps(t5, t5, 0xEE);
          _mm256_storeu_ps(dst + 0, _mm256_permute2f128_ps(s0, s4, 0x20));
          _mm256_storeu_ps(dst + 6, _mm256_permute2f128_ps(s1, s5, 0x20));
          _mm256_storeu_ps(dst + 12, _mm256_permute2f128_ps(s2, s6, 0x20));
          _mm256_storeu_ps(dst + 18, _mm256_permute2f128_ps(s3, s7, 0x20));
          _mm256_storeu_ps(dst + 24, _mm256_permute2f128_ps(s0, s4, 0x31));
          _mm256_storeu_ps(dst + 30, _mm256_permute2f128_ps(s1, s5, 0x31));
          _mm256_storeu_ps(dst + 36, _mm256_permute2f128_ps(s2, s6, 0x31));
          __m256 v7 = _mm256_permute2f128_ps(s3, s7, 0x31);
          _mm_storeu_ps(dst + 42, _mm256_castps256_ps128(v7));
          _mm_storel_pi(reinterpret_cast<__m64*>(dst + 46), _mm256_extractf128_ps(v7, 1));
          dst += 8 * MR;
        }
        for (; p < kc; p++) {
          dst[0] = src[0][p]; dst[1] = src[1][p]; dst[2] = src[2][p];
          dst[3] = src[3][p]; dst[4] = src[4][p]; dst[5] = src[5][p];
          dst += MR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          int r = 0;
          for (; r < rows; r++) dst[r] = src[r][p];
          for (; r < MR; r++) dst[r] = 0.f;
          dst += MR;
        }
      }
    }
  }
}

// op(B)[pc.., jc..] (kc x nc) into NR-column panels, zero-padded: dst[panel][p][0..NR)
static void pack_b(const Gemm& g, const float* B, int pc, int jc, int kc, int nc, float* dst) {
  for (int jp = 0; jp < nc; jp += NR) {
    int cols = nc - jp < NR ? nc - jp : NR;
    if (!g.transB) {  // element (p, j) at B[p*ldb + j]
      if (cols == NR) {
        for (int p = 0; p < kc; p++) {
          const float* src = B + int64_t(pc + p) * g.ldb + jc + jp;
          _mm256_store_ps(dst, _mm256_loadu_ps(src));
          _mm256_store_ps(dst + 8, _mm256_loadu_ps(src + 8));
          dst += NR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          const float* src = B + int64_t(pc + p) * g.ldb + jc + jp;
          int j = 0;
          for (; j < cols; j++) dst[j] = src[j];
          for (; j < NR; j++) dst[j] = 0.f;
          dst += NR;
        }
      }
    } else {  // element (p, j) at B[j*ldb + p]
      const float* src[NR];
      for (int j = 0; j < NR; j++) src[j] = B + int64_t(jc + jp + (j < cols ? j : 0)) * g.ldb + pc;
      for (int p = 0; p < kc; p++) {
        int j = 0;
        for (; j < cols; j++) dst[j] = src[j][p];
        for (; j < NR; j++) dst[j] = 0.f;
        dst += NR;
      }
    }
  }
}

// C[0..mr, 0..nr) = alpha * Apanel·Bpanel + beta * C (beta == 0: C not read)
static inline void kernel(int kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
                          int mr, int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
         c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // Fetch the C tile now, so its miss overlaps the loop: with ldc a multiple of 1024 floats the rows of C that the
  // kernels of one micro-panel touch share a cache set, so C is rarely in cache (worth ~20% on one thread).
  for (int r = 0; r < mr; r++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);  // when the row crosses a line
  }
#pragma GCC unroll 4
  for (int p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    a += MR;
    b += NR;
  }
  __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++) {
      float* cr = c + r * ldc;
      if (beta == 0.f) {
        _mm256_storeu_ps(cr, _mm256_mul_ps(va, acc[2 * r]));
        _mm256_storeu_ps(cr + 8, _mm256_mul_ps(va, acc[2 * r + 1]));
      } else {
        _mm256_storeu_ps(cr, _mm256_fmadd_ps(va, acc[2 * r], _mm256_mul_ps(vb, _mm256_loadu_ps(cr))));
        _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(va, acc[2 * r + 1], _mm256_mul_ps(vb, _mm256_loadu_ps(cr + 8))));
      }
    }
    return;
  }
  alignas(32) float t[MR * NR];
  for (int r = 0; r < MR; r++) {
    _mm256_store_ps(t + r * NR, acc[2 * r]);
    _mm256_store_ps(t + r * NR + 8, acc[2 * r + 1]);
  }
  for (int r = 0; r < mr; r++) {
    float* cr = c + r * ldc;
    const float* tr = t + r * NR;
    if (beta == 0.f) {
      for (int j = 0; j < nr; j++) cr[j] = alpha * tr[j];
    } else {
      for (int j = 0; j < nr; j++) cr[j] = std::fma(alpha, tr[j], beta * cr[j]);
    }
  }
}

// Horizontal sum of the 8 lanes as ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)): the order dots8 also uses.
static inline float hsum8(__m256 s) {
  __m128 lo = _mm256_castps256_ps128(s), hi = _mm256_extractf128_ps(s, 1);
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  hi = _mm_hadd_ps(hi, hi);
  hi = _mm_hadd_ps(hi, hi);
  return _mm_cvtss_f32(_mm_add_ss(lo, hi));
}

// x · y over k floats: one 8-wide accumulator over the first k - k % 8, lanes summed by hsum8, then the tail.
// dots8 computes exactly these bits for eight y rows at once, so a column's value never depends on its group.
static inline float dot1(const float* x, const float* y, int k) {
  __m256 s = _mm256_setzero_ps();
  int p = 0;
  for (; p + 8 <= k; p += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(x + p), _mm256_loadu_ps(y + p), s);
  float r = hsum8(s);
  for (; p < k; p++) r = std::fma(x[p], y[p], r);
  return r;
}

// out[0..8) = x · y_j for the eight rows y + j*ldy. Eight independent FMA chains hide the FMA latency that a
// single dot product waits on, and x is loaded once for all eight: one decoding step is all such products.
static inline void dots8(const float* x, const float* y, int64_t ldy, int k, float* out) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps(),
         s4 = _mm256_setzero_ps(), s5 = _mm256_setzero_ps(), s6 = _mm256_setzero_ps(), s7 = _mm256_setzero_ps();
  const float *y0 = y, *y1 = y + ldy, *y2 = y + 2 * ldy, *y3 = y + 3 * ldy, *y4 = y + 4 * ldy, *y5 = y + 5 * ldy,
              *y6 = y + 6 * ldy, *y7 = y + 7 * ldy;
  int p = 0;
  // weights stream from memory (a decoding step reads every weight once): ask for the next eight rows early
  const float* next = y + 16 * ldy;
  for (; p + 16 <= k; p += 16) {
    for (int j = 0; j < 8; j++) _mm_prefetch(reinterpret_cast<const char*>(next + j * ldy + p), _MM_HINT_T0);
    __m256 xv = _mm256_loadu_ps(x + p);
    s0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y0 + p), s0);
    s1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y1 + p), s1);
    s2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y2 + p), s2);
    s3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y3 + p), s3);
    s4 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y4 + p), s4);
    s5 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y5 + p), s5);
    s6 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y6 + p), s6);
    s7 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y7 + p), s7);
    xv = _mm256_loadu_ps(x + p + 8);
    s0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y0 + p + 8), s0);
    s1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y1 + p + 8), s1);
    s2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y2 + p + 8), s2);
    s3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y3 + p + 8), s3);
    s4 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y4 + p + 8), s4);
    s5 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y5 + p + 8), s5);
    s6 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y6 + p + 8), s6);
    s7 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y7 + p + 8), s7);
  }
  for (; p + 8 <= k; p += 8) {
    __m256 xv = _mm256_loadu_ps(x + p);
    s0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y0 + p), s0);
    s1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y1 + p), s1);
    s2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y2 + p), s2);
    s3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y3 + p), s3);
    s4 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y4 + p), s4);
    s5 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y5 + p), s5);
    s6 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y6 + p), s6);
    s7 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(y7 + p), s7);
  }
  // the same lane order as hsum8, eight at a time: hadd pairs neighbouring lanes
  __m256 a = _mm256_hadd_ps(s0, s1), b = _mm256_hadd_ps(s2, s3), c = _mm256_hadd_ps(s4, s5),
         d = _mm256_hadd_ps(s6, s7);
  __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);  // per 128-bit half: rows 0,1,2,3 | 4,5,6,7 sums
  // ab = [r0lo r1lo r2lo r3lo | r0hi r1hi r2hi r3hi]: low-half sums + high-half sums
  __m128 r0123 = _mm_add_ps(_mm256_castps256_ps128(ab), _mm256_extractf128_ps(ab, 1));
  __m128 r4567 = _mm_add_ps(_mm256_castps256_ps128(cd), _mm256_extractf128_ps(cd, 1));
  _mm_storeu_ps(out, r0123);
  _mm_storeu_ps(out + 4, r4567);
  if (p < k) {
    for (int j = 0; j < 8; j++) {
      const float* yj = y + j * ldy;
      float r = out[j];
      for (int q = p; q < k; q++) r = std::fma(x[q], yj[q], r);
      out[j] = r;
    }
  }
}

// C[i0..i1, jc..jc+nc) += the kc-slice pc of the product, B already packed (packed_b): A packed here, MC rows at a
// time; the first slice applies beta (later ones add with beta 1).
static void rows_block(const Gemm& g, const float* A, const float* packed_b, float* C, int i0, int i1, int jc, int nc,
                       int pc, int kc, float* buf_a) {
  float beta = pc == 0 ? g.beta : 1.f;
  for (int ic = i0; ic < i1; ic += MC) {
    int mc = i1 - ic < MC ? i1 - ic : MC;
    pack_a(g, A, ic, pc, mc, kc, buf_a);
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = nc - jr < NR ? nc - jr : NR;
      const float* bp = packed_b + int64_t(jr) * kc;
      for (int ir = 0; ir < mc; ir += MR) {
        int mr = mc - ir < MR ? mc - ir : MR;
        kernel(kc, buf_a + int64_t(ir) * kc, bp, C + int64_t(ic + ir) * g.ldc + jc + jr, g.ldc, g.alpha, beta, mr,
               nr);
      }
    }
  }
}

// The k == 0 product: C = beta * C.
static void scale_block(const Gemm& g, float* C, int i0, int i1, int j0, int j1) {
  for (int i = i0; i < i1; i++) {
    float* cr = C + int64_t(i) * g.ldc;
    for (int j = j0; j < j1; j++) cr[j] = g.beta == 0.f ? 0.f : g.beta * cr[j];
  }
}

// One matrix product restricted to rows [i0, i1) and columns [j0, j1) of C.
static void gemm_block(const Gemm& g, const float* A, const float* B, float* C, int i0, int i1, int j0, int j1,
                       Buffers buf) {
  if (g.k == 0) return scale_block(g, C, i0, i1, j0, j1);
  if (dot_path(g)) {
    // eight columns at a time for every row: those eight rows of B are read from memory once, not once per row
    auto put = [&](float* c, float d) { *c = g.beta == 0.f ? g.alpha * d : g.alpha * d + g.beta * *c; };
    int j = j0;
    for (; j + 8 <= j1; j += 8) {
      for (int i = i0; i < i1; i++) {
        float d[8];
        dots8(A + int64_t(i) * g.lda, B + int64_t(j) * g.ldb, g.ldb, g.k, d);
        float* cr = C + int64_t(i) * g.ldc + j;
        for (int q = 0; q < 8; q++) put(cr + q, d[q]);
      }
    }
    for (; j < j1; j++) {
      for (int i = i0; i < i1; i++) put(C + int64_t(i) * g.ldc + j, dot1(A + int64_t(i) * g.lda, B + int64_t(j) * g.ldb, g.k));
    }
    return;
  }
  for (int jc = j0; jc < j1; jc += NC) {
    int nc = j1 - jc < NC ? j1 - jc : NC;
    for (int pc = 0; pc < g.k; pc += KC) {
      int kc = g.k - pc < KC ? g.k - pc : KC;
      pack_b(g, B, pc, jc, kc, nc, buf.b);
      rows_block(g, A, buf.b, C, i0, i1, jc, nc, pc, kc, buf.a);
    }
  }
}
#pragma GCC pop_options

bool cpu_supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
bool cpu_supported() { return false; }
static void gemm_block(const Gemm&, const float*, const float*, float*, int, int, int, int, Buffers) {}
static void pack_b(const Gemm&, const float*, int, int, int, int, float*) {}
static void rows_block(const Gemm&, const float*, const float*, float*, int, int, int, int, int, int, float*) {}
#endif

// Tall products on several threads share one packed B: per (matrix, NC columns, KC slice) the threads pack B's
// panels together, then (run() returning is the barrier) take chunks of rows. Splitting the rows instead, each
// thread packing all of B for itself, packs B once per chunk (4 times at 1024^3 on 2 threads),
// which cost more than the two barriers a KC slice that sharing takes.
// The row chunks are whole MR blocks of at most MC rows, a multiple of T of them so that the threads end together.
// Each element of C still sums its KC slices in order, so the bits are those of the other paths.
static bool shared_b_pays(const Gemm& g, int T, int mBlocks, int nBlocks) {
  return g.k > 0 && !dot_path(g) && mBlocks >= nBlocks && mBlocks >= 4 * T &&
         double(g.m) * g.n * std::min(g.k, KC) >= 4194304.0;  // two barriers a slice: not for small products
}

static void gemm_shared_b(const Gemm& g, float* a, float* b, float* c, int T, int mBlocks) {
  static float* packed_b = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * KC * NC));  // under pool_mutex
  const int chunks = T * ((mBlocks + T * (MC / MR) - 1) / (T * (MC / MR)));
  for (int bi = 0; bi < g.batch; bi++) {  // in order: batches that share C accumulate as they should
    const float* A = a + g.aOffset + int64_t(bi) * g.strideA;
    const float* B = b + g.bOffset + int64_t(bi) * g.strideB;
    float* C = c + g.cOffset + int64_t(bi) * g.strideC;
    for (int jc = 0; jc < g.n; jc += NC) {
      const int nc = std::min(NC, g.n - jc), panels = (nc + NR - 1) / NR, packChunks = std::min(panels, 4 * T);
      for (int pc = 0; pc < g.k; pc += KC) {
        const int kc = std::min(KC, g.k - pc);
        pool()->run(T, packChunks, [&](int ch) {  // panel p of the block lands at packed_b + p * NR * kc
          int lo = int(int64_t(ch) * panels / packChunks) * NR;
          int hi = std::min(nc, int(int64_t(ch + 1) * panels / packChunks) * NR);
          pack_b(g, B, pc, jc + lo, kc, hi - lo, packed_b + int64_t(lo) * kc);
        });
        pool()->run(T, chunks, [&](int ch) {
          int i0 = int(int64_t(ch) * mBlocks / chunks) * MR;
          int i1 = std::min(g.m, int(int64_t(ch + 1) * mBlocks / chunks) * MR);
          rows_block(g, A, packed_b, C, i0, i1, jc, nc, pc, kc, get_buffers().a);
        });
      }
    }
  }
}

void gemm(const Gemm& g, float* a, float* b, float* c, int threads) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  auto mat = [&](int bi, const float*& A, const float*& B, float*& C) {
    A = a + g.aOffset + int64_t(bi) * g.strideA;
    B = b + g.bOffset + int64_t(bi) * g.strideB;
    C = c + g.cOffset + int64_t(bi) * g.strideC;
  };
  double work = double(g.m) * g.n * (g.k > 0 ? g.k : 1) * g.batch;
  int T = threads < 1 ? 1 : threads;
  // below about 0.05 ms of arithmetic, waking a thread costs more; one-row products (decoding) are bound by reading
  // the weights from memory, which two cores do faster, so they split from far less work
  if (work < (dot_path(g) ? 32768.0 : 1048576.0)) T = 1;
  std::unique_lock<std::mutex> lk(pool_mutex, std::defer_lock);
  if (T > 1 && !lk.try_lock()) T = 1;
  if (T > 1) {
    pool()->ensure(T - 1);
    T = std::min(T, pool()->size() + 1);
  }
  int64_t extentC = int64_t(g.m - 1) * g.ldc + g.n;
  bool disjoint = g.batch == 1 || g.cApart || std::llabs(g.strideC) >= extentC;
  int mBlocks = (g.m + MR - 1) / MR, nBlocks = (g.n + NR - 1) / NR;
  std::function<void(int)> job;
  int chunks;
  if (T > 1 && disjoint && g.batch >= T && (g.batch >= 4 * T || g.batch >= mBlocks + nBlocks)) {
    int batch = g.batch;
    chunks = std::min(batch, 4 * T);
    job = [&, batch, chunks](int c) {
      Buffers buf = get_buffers();
      for (int bi = int(int64_t(c) * batch / chunks); bi < int(int64_t(c + 1) * batch / chunks); bi++) {
        const float *A, *B;
        float* C;
        mat(bi, A, B, C);
        gemm_block(g, A, B, C, 0, g.m, 0, g.n, buf);
      }
    };
  } else if (T > 1 && shared_b_pays(g, T, mBlocks, nBlocks)) {
    return gemm_shared_b(g, a, b, c, T, mBlocks);
  } else {
    bool byRows = mBlocks >= nBlocks;
    int blocks = byRows ? mBlocks : nBlocks;
    chunks = T == 1 ? 1 : std::min(blocks, 2 * T);
    if (chunks <= 1) T = 1;
    job = [&, byRows, blocks, chunks](int c) {
      Buffers buf = get_buffers();
      int lo = int(int64_t(c) * blocks / chunks), hi = int(int64_t(c + 1) * blocks / chunks);
      int i0 = 0, i1 = g.m, j0 = 0, j1 = g.n;
      if (byRows) {
        i0 = lo * MR;
        i1 = std::min(g.m, hi * MR);
      } else {
        j0 = lo * NR;
        j1 = std::min(g.n, hi * NR);
      }
      if (i0 >= i1 || j0 >= j1) return;
      for (int bi = 0; bi < g.batch; bi++) {  // in order: batches that share C accumulate as they should
        const float *A, *B;
        float* C;
        mat(bi, A, B, C);
        gemm_block(g, A, B, C, i0, i1, j0, j1, buf);
      }
    };
  }
  if (T > 1) {
    pool()->run(T, chunks, job);
  } else {
    for (int c = 0; c < chunks; c++) job(c);
  }
}

void parallel_for(int threads, int chunks, const std::function<void(int)>& f) {
  int T = std::min(threads < 1 ? 1 : threads, chunks);
  std::unique_lock<std::mutex> lk(pool_mutex, std::defer_lock);
  if (T > 1 && !lk.try_lock()) T = 1;
  if (T > 1) {
    pool()->ensure(T - 1);
    pool()->run(std::min(T, pool()->size() + 1), chunks, f);
  } else {
    for (int c = 0; c < chunks; c++) f(c);
  }
}

}  // namespace tn
