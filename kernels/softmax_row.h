/*
 * One softmax row with a key limit and an optional padding mask: shared by the attention softmax (softmax.c) and
 * one-query attention (attention.c).
 */
#ifndef KERNELS_SOFTMAX_ROW_H
#define KERNELS_SOFTMAX_ROW_H

#include "vmath.h"

/* 1 in the lanes whose 4 pad bytes at p are non-zero (the key is padding). */
static inline v128_t pad_mask(const unsigned char *p) {
  v128_t b = wasm_v128_load32_zero(p);
  v128_t w = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(b));
  return wasm_i32x4_ne(w, wasm_i32x4_splat(0));
}

/*
 * out[0..cols) = softmax(scale · x) over the keys j < limit that pad (may be null) does not mark; every other
 * entry is 0, and a row with no such key is all 0. out may equal x.
 */
static void softmax_row(const float *x, float *out, int cols, float scale, int limit, const unsigned char *pad) {
  const f4 vs = SPLAT(scale), ninf = SPLAT(-__builtin_inff());
  f4 vmax = ninf;
  int j = 0;
  for (; j + 4 <= limit; j += 4) {
    f4 v = wasm_f32x4_mul(vs, LOAD(x + j));
    if (pad) v = wasm_v128_bitselect(ninf, v, pad_mask(pad + j));
    vmax = wasm_f32x4_pmax(vmax, v);
  }
  float max = hmax(vmax);
  for (; j < limit; j++) {
    float v = scale * x[j];
    if ((!pad || !pad[j]) && v > max) max = v;
  }
  if (max == -__builtin_inff()) {
    for (j = 0; j < cols; j++) out[j] = 0.0f;
    return;
  }
  const f4 vm = SPLAT(max);
  f4 vsum = SPLAT(0.0f);
  for (j = 0; j + 4 <= limit; j += 4) {
    f4 e = vexp(wasm_f32x4_sub(wasm_f32x4_mul(vs, LOAD(x + j)), vm));
    if (pad) e = wasm_v128_andnot(e, pad_mask(pad + j));
    STORE(out + j, e);
    vsum = wasm_f32x4_add(vsum, e);
  }
  float sum = hsum(vsum);
  for (; j < limit; j++) {
    float e = 0.0f;
    if (!pad || !pad[j]) e = wasm_f32x4_extract_lane(vexp(SPLAT(scale * x[j] - max)), 0);
    out[j] = e;
    sum += e;
  }
  for (j = limit; j < cols; j++) out[j] = 0.0f;
  const f4 inv = SPLAT(1.0f / sum);
  for (j = 0; j + 4 <= limit; j += 4) STORE(out + j, wasm_f32x4_mul(LOAD(out + j), inv));
  for (; j < limit; j++) out[j] *= 1.0f / sum;
}

#endif
