// The native backend's own element-wise kernels, those not compiled from kernels/*.c: dropout's mask and scaling,
// column sums, and the fused cross-entropy. Dropout's mask is src/backend/js/dropout.ts's counter-based hash, so a
// key gives the same mask on every backend; its arithmetic is done in double and rounded once, as there.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <immintrin.h>
#include <vector>

#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC target("avx2,fma")
#endif

namespace tn {

// src/backend/js/dropout.ts's dropoutHash, for one element and for eight at once
static inline uint32_t lowbias32(uint32_t x) {
  x = (x ^ (x >> 16)) * 0x7feb352du;
  x = (x ^ (x >> 15)) * 0x846ca68bu;
  return x ^ (x >> 16);
}
static inline uint32_t dropout_hash(uint32_t k0, uint32_t k1, uint32_t i) { return lowbias32(lowbias32(i + k0) ^ k1); }
static inline __m256i lowbias32x8(__m256i x) {
  x = _mm256_mullo_epi32(_mm256_xor_si256(x, _mm256_srli_epi32(x, 16)), _mm256_set1_epi32(0x7feb352d));
  x = _mm256_mullo_epi32(_mm256_xor_si256(x, _mm256_srli_epi32(x, 15)), _mm256_set1_epi32(int(0x846ca68bu)));
  return _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
}

// Elements [i0, i1): the mask from the hash (compared as doubles, as the TypeScript does: exact), then the scaling.
static void dropout_range(const float* x, float* out, uint8_t* keep, int64_t i0, int64_t i1, double p,
                          uint32_t k0, uint32_t k1) {
  const double threshold = p * 4294967296.0;
  const double inv = 1.0 / (1.0 - p);
  // u ≥ threshold ⇔ u ≥ ceil(threshold) for integers u; past 2³² − 1 nothing is kept
  const double ceilT = std::ceil(threshold);
  const bool none = ceilT > 4294967295.0;
  const uint32_t t = none ? 0u : uint32_t(ceilT);
  int64_t i = i0;
  if (!none) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), flip = _mm256_set1_epi32(int(0x80000000u));
    const __m256i tv = _mm256_set1_epi32(int(t ^ 0x80000000u));  // unsigned compare via the sign flip
    const __m256d vinv = _mm256_set1_pd(inv);
    for (; i + 8 <= i1; i += 8) {
      __m256i idx = _mm256_add_epi32(_mm256_set1_epi32(int(uint32_t(i) + k0)), lanes);
      __m256i u = lowbias32x8(_mm256_xor_si256(lowbias32x8(idx), _mm256_set1_epi32(int(k1))));
      // keep where u ≥ t: not (t > u), signed after flipping the top bit
      __m256i dropm = _mm256_cmpgt_epi32(tv, _mm256_xor_si256(u, flip));
      __m256i k = _mm256_andnot_si256(dropm, _mm256_set1_epi32(1));
      uint8_t kb[8];
      __m128i k16 = _mm_packs_epi32(_mm256_castsi256_si128(k), _mm256_extracti128_si256(k, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(kb), _mm_packus_epi16(k16, k16));
      std::memcpy(keep + i, kb, 8);
      // out = float(double(x) · inv · k), in two halves of four doubles
      __m256 xv = _mm256_loadu_ps(x + i);
      __m256 kf = _mm256_cvtepi32_ps(k);
      __m256d lo = _mm256_mul_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(xv)), vinv),
                                 _mm256_cvtps_pd(_mm256_castps256_ps128(kf)));
      __m256d hi = _mm256_mul_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(xv, 1)), vinv),
                                 _mm256_cvtps_pd(_mm256_extractf128_ps(kf, 1)));
      _mm256_storeu_ps(out + i, _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo)));
    }
  }
  for (; i < i1; i++) {
    uint8_t k = double(dropout_hash(k0, k1, uint32_t(i))) >= threshold ? 1 : 0;
    keep[i] = k;
    out[i] = float(double(x[i]) * inv * double(k));
  }
}

void dropout(const float* x, float* out, uint8_t* keep, int64_t n, double p, const uint32_t* key, int threads) {
  int T = n >= (1 << 16) ? std::max(1, threads) : 1;
  parallel_for(T, T, [&](int c) {
    // ranges on multiples of 8, so a split never changes which elements take the vector path (same bits anyway)
    int64_t i0 = (n * c / T) & ~int64_t(7), i1 = c == T - 1 ? n : (n * (c + 1) / T) & ~int64_t(7);
    dropout_range(x, out, keep, i0, i1, p, key[0], key[1]);
  });
}

void mask_scale(const float* x, const uint8_t* keep, double scale, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = float(double(x[i]) * scale * double(keep[i]));
}

// Columns [j0, j1): the running sums live in a small double buffer (one block of columns at a time stays in L1).
static void column_sums(const float* x, int64_t rows, int64_t cols, float* out, int64_t j0, int64_t j1) {
  const int64_t BLOCK = 512;
  double acc[BLOCK];
  for (int64_t b = j0; b < j1; b += BLOCK) {
    int64_t w = std::min(BLOCK, j1 - b);
    for (int64_t j = 0; j < w; j++) acc[j] = 0.0;
    for (int64_t r = 0; r < rows; r++) {
      const float* xr = x + r * cols + b;
      for (int64_t j = 0; j < w; j++) acc[j] += double(xr[j]);
    }
    for (int64_t j = 0; j < w; j++) out[b + j] = float(double(out[b + j]) + acc[j]);
  }
}

void add_column_sums(const float* x, int64_t rows, int64_t cols, float* out, int threads) {
  // split by columns: each column is summed by one thread in row order, so the bits never depend on the split
  int T = rows * cols >= (1 << 16) ? std::max(1, std::min<int>(threads, int((cols + 63) / 64))) : 1;
  parallel_for(T, T, [&](int t) {
    column_sums(x, rows, cols, out, cols * t / T, cols * (t + 1) / T);
  });
}

// exp(x) for x ≤ 0, 8 lanes: Cephes expf's range reduction and degree-7 polynomial (kernels/vmath.h's vexp, in
// AVX2), about 1 ulp; below −87.3 (float32 turns subnormal) it gives 0.
static inline __m256 exp_nonpositive(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.33654f), magic = _mm256_set1_ps(12582912.0f);
  __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_max_ps(x, lo);
  __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
  __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-0.693359375f), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  __m256i e = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23), _mm256_set1_epi32(127 << 23));
  return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

static void cross_entropy_row(const float* x, int t, int64_t cols, int ignoreIndex, float eps, float scale,
                              float* loss, float* lse, float* d) {
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  int64_t j = 0;
  for (; j + 8 <= cols; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + j));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  float max = std::max(_mm_cvtss_f32(m4), _mm_cvtss_f32(_mm_movehdup_ps(m4)));
  for (; j < cols; j++) max = std::max(max, x[j]);
  const bool ignored = t == ignoreIndex;
  const float xt = ignored ? 0.f : x[t];  // read before d (which may be x) is written
  // Σ exp(x − max) and Σ x, exp(x − max) kept in d for the gradient
  const __m256 vm = _mm256_set1_ps(max);
  __m256 se = _mm256_setzero_ps(), sx = _mm256_setzero_ps();
  for (j = 0; j + 8 <= cols; j += 8) {
    __m256 v = _mm256_loadu_ps(x + j);
    __m256 e = exp_nonpositive(_mm256_sub_ps(v, vm));
    _mm256_storeu_ps(d + j, e);
    se = _mm256_add_ps(se, e);
    sx = _mm256_add_ps(sx, v);
  }
  float sumE = hsum(se), sumX = hsum(sx);
  for (; j < cols; j++) {
    float e = std::exp(x[j] - max);
    sumX += x[j];
    d[j] = e;
    sumE += e;
  }
  const double l = double(max) + std::log(double(sumE));
  *lse = float(l);
  if (ignored) {
    *loss = 0.f;
    std::fill(d, d + cols, 0.f);
    return;
  }
  const double nll = l - xt, smooth = l - double(sumX) / double(cols);
  *loss = float((1.0 - eps) * nll + eps * smooth);
  // d = scale · (softmax − ε/C), and scale · (1 − ε) off the target
  const __m256 vs = _mm256_set1_ps(scale / sumE), vu = _mm256_set1_ps(scale * eps / float(cols));
  for (j = 0; j + 8 <= cols; j += 8) _mm256_storeu_ps(d + j, _mm256_fmsub_ps(_mm256_loadu_ps(d + j), vs, vu));
  for (; j < cols; j++) d[j] = d[j] * (scale / sumE) - scale * eps / float(cols);
  d[t] -= scale * (1.f - eps);
}

void cross_entropy_with_grad(const float* logits, const int* targets, int64_t rows, int64_t cols, int ignoreIndex,
                             float smoothing, float scale, float* rowLoss, float* lse, float* dLogits, int threads) {
  int T = rows * cols >= (1 << 15) ? std::max(1, std::min<int>(threads, int(rows))) : 1;
  parallel_for(T, T, [&](int c) {
    for (int64_t r = rows * c / T; r < rows * (c + 1) / T; r++) {
      cross_entropy_row(logits + r * cols, targets[r], cols, ignoreIndex, smoothing, scale, rowLoss + r, lse + r,
                        dLogits + r * cols);
    }
  });
}

}  // namespace tn
