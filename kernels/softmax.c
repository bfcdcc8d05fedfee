/* Row softmax, attention softmax with padding and causal masks, and the softmax backward (backend.ts). */
#include "softmax_row.h"

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
