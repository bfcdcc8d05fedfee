/* ReLU and exact GELU, forward and backward, elementwise over n values (backend.ts). */
#include "vmath.h"

void EXPORT(relu)(const float *x, float *out, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) STORE(out + i, wasm_f32x4_pmax(SPLAT(0.0f), LOAD(x + i)));
  for (; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void EXPORT(relu_backward)(const float *x, const float *dy, float *dx, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) STORE(dx + i, wasm_v128_and(LOAD(dy + i), wasm_f32x4_gt(LOAD(x + i), SPLAT(0.0f))));
  for (; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

/* Φ(x) from the tail Q(|x|), so that Φ keeps its relative accuracy for very negative x; φ(x) too (vmath.h). */
static inline f4 vphi(f4 x, f4 *density) {
  f4 q = vnormal_tail(wasm_f32x4_abs(x), density);
  return wasm_v128_bitselect(wasm_f32x4_sub(SPLAT(1.0f), q), q, wasm_f32x4_ge(x, SPLAT(0.0f)));
}

static inline f4 vgelu(f4 x) {
  return wasm_f32x4_mul(x, vphi(x, 0));
}

/* dy · (Φ(x) + x·φ(x)) */
static inline f4 vgelu_grad(f4 x, f4 dy) {
  f4 pdf;
  f4 cdf = vphi(x, &pdf);
  return wasm_f32x4_mul(dy, MADD(x, pdf, cdf));
}

/* Two vectors a step: the polynomials are long dependency chains, two independent ones keep both FP pipes busy. */
void EXPORT(gelu)(const float *x, float *out, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    f4 a = vgelu(LOAD(x + i)), b = vgelu(LOAD(x + i + 4));
    STORE(out + i, a);
    STORE(out + i + 4, b);
  }
  for (; i + 4 <= n; i += 4) STORE(out + i, vgelu(LOAD(x + i)));
  if (i < n) store_tail(out + i, vgelu(load_tail(x + i, n - i)), n - i);
}

void EXPORT(gelu_backward)(const float *x, const float *dy, float *dx, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    f4 a = vgelu_grad(LOAD(x + i), LOAD(dy + i)), b = vgelu_grad(LOAD(x + i + 4), LOAD(dy + i + 4));
    STORE(dx + i, a);
    STORE(dx + i + 4, b);
  }
  for (; i + 4 <= n; i += 4) STORE(dx + i, vgelu_grad(LOAD(x + i), LOAD(dy + i)));
  if (i < n) store_tail(dx + i, vgelu_grad(load_tail(x + i, n - i), load_tail(dy + i, n - i)), n - i);
}
