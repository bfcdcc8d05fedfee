/*
 * Vector exp and the normal distribution's tail for float32, accurate to a few ulp (checked against the float64
 * reference kernels in test/backend/). Constants are immediates, not tables: kernels keep no static data
 * (common.h).
 */
#ifndef KERNELS_VMATH_H
#define KERNELS_VMATH_H

#include "common.h"

/* 1.5·2^23: adding it rounds a float below 2^22 in magnitude to an integer n, which then sits in the low bits */
#define ROUND_MAGIC 12582912.0f

/*
 * exp(x) for x ≤ 88 with |r| ≤ ln2/2 after x = n·ln2 + r, where exp(r) comes from Cephes expf's degree-7
 * polynomial and 2^n from the exponent bits; about 1 ulp. No range checks: callers keep x within [-87, 88].
 */
static inline f4 vexp_core(f4 x) {
  f4 t = MADD(x, SPLAT(1.44269504088896341f), SPLAT(ROUND_MAGIC));
  f4 n = wasm_f32x4_sub(t, SPLAT(ROUND_MAGIC));
  f4 r = MADD(n, SPLAT(-0.693359375f), x); /* n·0.693359375 is exact (9 significant bits) */
  r = MADD(n, SPLAT(2.12194440e-4f), r);
  f4 p = SPLAT(1.9875691500e-4f);
  p = MADD(p, r, SPLAT(1.3981999507e-3f));
  p = MADD(p, r, SPLAT(8.3334519073e-3f));
  p = MADD(p, r, SPLAT(4.1665795894e-2f));
  p = MADD(p, r, SPLAT(1.6666665459e-1f));
  p = MADD(p, r, SPLAT(5.0000001201e-1f));
  p = MADD(p, wasm_f32x4_mul(r, r), wasm_f32x4_add(r, SPLAT(1.0f)));
  /* the low bits of t hold n (two's complement); shifted into the exponent field they make 2^n */
  v128_t scale = wasm_i32x4_add(wasm_i32x4_shl(t, 23), wasm_i32x4_splat(127 << 23));
  return wasm_f32x4_mul(p, scale);
}

/* exp(x) for x ≤ 88: 0 below −87.3 (where float32 turns subnormal) and for −inf; NaN stays NaN. */
static inline f4 vexp(f4 x) {
  const f4 lo = SPLAT(-87.33654f);
  f4 under = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), SPLAT(88.0f));
  return wasm_v128_andnot(vexp_core(x), under);
}

/*
 * The standard normal's upper tail Q(a) = 1 − Φ(a) = erfc(a/√2)/2 for a ≥ 0 (and its density φ(a) = exp(−a²/2)/√(2π)
 * when `density` is not null), keeping the relative accuracy far into the tail, where erfc taken as 1 − erf would
 * lose everything. erfc(z) = t·exp(−z² + P(t)) with t = 1/(1 + z/2): the Chebyshev fit of Numerical Recipes'
 * erfcc, relative error below 1.2e-7 for every z ≥ 0. The z² = a²/2 is split as ah²/2 + (a − ah)(a + ah)/2 with
 * ah = a rounded to 1/16, so ah²/2 is exact and only exp's rounded argument adds an error, about (a²/2)·2^-24
 * relative: less than the a²·2^-24 that rounding a itself to float32 already causes (Q's condition number is
 * a·φ(a)/Q(a) ≈ a²). Beyond a = 14, Q and φ are below float32's smallest value and come out 0.
 */
static inline f4 vnormal_tail(f4 a, f4 *density) {
  a = wasm_f32x4_pmin(a, SPLAT(14.0f)); /* Q(14) < 2^-149; also keeps +inf from making inf − inf = NaN */
  f4 t = wasm_f32x4_div(SPLAT(2.0f), MADD(a, SPLAT(0.70710678118654752f), SPLAT(2.0f)));
  /* P(t) by Estrin's scheme: a shorter dependency chain than Horner's, which the loop's speed hinges on */
  f4 t2 = wasm_f32x4_mul(t, t);
  f4 t4 = wasm_f32x4_mul(t2, t2);
  f4 q0 = MADD(t, SPLAT(1.00002368f), SPLAT(-1.26551223f));
  f4 q1 = MADD(t, SPLAT(0.09678418f), SPLAT(0.37409196f));
  f4 q2 = MADD(t, SPLAT(0.27886807f), SPLAT(-0.18628806f));
  f4 q3 = MADD(t, SPLAT(1.48851587f), SPLAT(-1.13520398f));
  f4 q4 = MADD(t, SPLAT(0.17087277f), SPLAT(-0.82215223f));
  f4 r0 = MADD(q1, t2, q0);
  f4 r1 = MADD(q3, t2, q2);
  f4 p = MADD(MADD(q4, t4, r1), t4, r0); /* r0 + t4·(r1 + t4·q4) */
  f4 ah = wasm_f32x4_mul(wasm_f32x4_nearest(wasm_f32x4_mul(a, SPLAT(16.0f))), SPLAT(1.0f / 16.0f));
  f4 big = wasm_f32x4_mul(wasm_f32x4_mul(ah, SPLAT(-0.5f)), ah); /* exact */
  f4 small = wasm_f32x4_mul(wasm_f32x4_sub(a, ah), wasm_f32x4_mul(SPLAT(0.5f), wasm_f32x4_add(a, ah)));
  if (density) {
    *density = wasm_f32x4_mul(vexp(wasm_f32x4_sub(big, small)), SPLAT(0.39894228040143268f));
  }
  return wasm_f32x4_mul(wasm_f32x4_mul(SPLAT(0.5f), t), vexp(wasm_f32x4_add(big, wasm_f32x4_sub(p, small))));
}

#endif
