// Dropout's mask and scaling for the native backend. The generator is xoshiro128** exactly as
// src/tensor/random.ts (and src/backend/js/dropout.ts) step it, so a seed gives the same masks on every backend;
// the arithmetic is done in double and rounded once to float, as the TypeScript does.
#include "dropout.h"

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

}  // namespace tn
