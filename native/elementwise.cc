// The native backend's own element-wise kernels, those not compiled from kernels/*.c: dropout's mask and scaling,
// and column sums. Dropout's generator is xoshiro128** exactly as src/tensor/random.ts (and
// src/backend/js/dropout.ts) step it, so a seed gives the same masks on every backend; the arithmetic is done in
// double and rounded once to float, as the TypeScript does.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <immintrin.h>
#include <vector>

#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC target("avx2,fma")
#endif

namespace tn {

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void dropout(const float* x, float* out, uint8_t* keep, int64_t n, double p, uint32_t* state) {
  const double threshold = p * 4294967296.0;
  const double inv = 1.0 / (1.0 - p);
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  for (int64_t i = 0; i < n; i++) {
    uint32_t u = rotl(s1 * 5u, 7) * 9u;
    uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    uint8_t k = double(u) >= threshold ? 1 : 0;
    keep[i] = k;
    out[i] = float(double(x[i]) * inv * double(k));
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
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
  // Σ exp(x − max) and Σ x; with d, exp(x − max) is kept in d for the gradient
  const __m256 vm = _mm256_set1_ps(max);
  __m256 se = _mm256_setzero_ps(), sx = _mm256_setzero_ps();
  for (j = 0; j + 8 <= cols; j += 8) {
    __m256 v = _mm256_loadu_ps(x + j);
    __m256 e = exp_nonpositive(_mm256_sub_ps(v, vm));
    if (d) _mm256_storeu_ps(d + j, e);
    se = _mm256_add_ps(se, e);
    sx = _mm256_add_ps(sx, v);
  }
  float sumE = hsum(se), sumX = hsum(sx);
  for (; j < cols; j++) {
    float e = std::exp(x[j] - max);
    sumX += x[j];
    if (d) d[j] = e;
    sumE += e;
  }
  const double l = double(max) + std::log(double(sumE));
  *lse = float(l);
  if (ignored) {
    *loss = 0.f;
    if (d) std::fill(d, d + cols, 0.f);
    return;
  }
  const double nll = l - xt, smooth = l - double(sumX) / double(cols);
  *loss = float((1.0 - eps) * nll + eps * smooth);
  if (!d) return;
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
                        dLogits ? dLogits + r * cols : nullptr);
    }
  });
}

}  // namespace tn
