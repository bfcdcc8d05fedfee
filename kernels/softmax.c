/* Row softmax, attention softmax with padding and causal masks, and the softmax backward (backend.ts). */
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

/* Rows r0..r1-1 of x (rows of `cols`): out = softmax(scale · x). */
void EXPORT(softmax_rows)(const float *x, float *out, int r0, int r1, int cols, float scale) {
  for (int r = r0; r < r1; r++) softmax_row(x + r * cols, out + r * cols, cols, scale, cols, 0);
}

/*
 * Rows r0..r1-1 of the scores (B, h, T, S) flattened to B·h·T rows of S: pad is null or (B, S) bytes, 1 = padding;
 * causal queries t see keys s ≤ t + queryOffset.
 */
void EXPORT(masked_softmax_rows)(const float *x, float *out, int r0, int r1, int heads, int queries, int keys,
                                 const unsigned char *pad, int causal, int queryOffset, float scale) {
  for (int r = r0; r < r1; r++) {
    int b = r / (heads * queries), t = r % queries;
    int limit = keys;
    if (causal) {
      int last = t + queryOffset + 1;
      limit = last < 0 ? 0 : last < keys ? last : keys;
    }
    softmax_row(x + r * keys, out + r * keys, keys, scale, limit, pad ? pad + b * keys : 0);
  }
}

/* dx = scale · y ⊙ (dy − Σ dy⊙y) for rows r0..r1-1; dx may equal dy. */
void EXPORT(softmax_backward_rows)(const float *y, const float *dy, float *dx, int r0, int r1, int cols,
                                   float scale) {
  for (int r = r0; r < r1; r++) {
    const float *yr = y + r * cols, *dyr = dy + r * cols;
    float *dxr = dx + r * cols;
    f4 acc0 = SPLAT(0.0f), acc1 = SPLAT(0.0f);
    int j = 0;
    for (; j + 8 <= cols; j += 8) {
      acc0 = MADD(LOAD(dyr + j), LOAD(yr + j), acc0);
      acc1 = MADD(LOAD(dyr + j + 4), LOAD(yr + j + 4), acc1);
    }
    for (; j + 4 <= cols; j += 4) acc0 = MADD(LOAD(dyr + j), LOAD(yr + j), acc0);
    float dot = hsum(wasm_f32x4_add(acc0, acc1));
    for (; j < cols; j++) dot += dyr[j] * yr[j];
    const f4 vs = SPLAT(scale), vd = SPLAT(dot);
    for (j = 0; j + 4 <= cols; j += 4) {
      STORE(dxr + j, wasm_f32x4_mul(wasm_f32x4_mul(vs, LOAD(yr + j)), wasm_f32x4_sub(LOAD(dyr + j), vd)));
    }
    for (; j < cols; j++) dxr[j] = scale * yr[j] * (dyr[j] - dot);
  }
}
