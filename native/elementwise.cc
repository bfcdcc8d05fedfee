// The native backend's own element-wise kernels, those not compiled from kernels/*.c: dropout's mask and scaling,
// and column sums. Dropout's generator is xoshiro128** exactly as src/tensor/random.ts (and
// src/backend/js/dropout.ts) step it, so a seed gives the same masks on every backend; the arithmetic is done in
// double and rounded once to float, as the TypeScript does.
#include "elementwise.h"

#include <algorithm>
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

}  // namespace tn
