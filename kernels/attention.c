/*
 * Attention of one query per sentence over S cached keys (decoding with a KV cache, backend.ts attendOne): scores,
 * masked softmax and the weighted sum of values in one call. As two batched GEMMs and a softmax, a decoding step's
 * attention cost three calls and a round trip of the scores through memory for about 16k multiply-adds a layer.
 */
#include "softmax_row.h"

/*
 * w[0..4) = the dot products of q with the 4 rows at k, k + ld, k + 2·ld, k + 3·ld (n values each): four
 * accumulators, then one transposing reduction instead of four horizontal sums.
 */
static inline void dot4(const float *q, const float *k, int ld, int n, float *w) {
  const float *k1 = k + ld, *k2 = k1 + ld, *k3 = k2 + ld;
  f4 a0 = SPLAT(0.0f), a1 = SPLAT(0.0f), a2 = SPLAT(0.0f), a3 = SPLAT(0.0f);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const f4 qv = LOAD(q + j);
    a0 = MADD(qv, LOAD(k + j), a0);
    a1 = MADD(qv, LOAD(k1 + j), a1);
    a2 = MADD(qv, LOAD(k2 + j), a2);
    a3 = MADD(qv, LOAD(k3 + j), a3);
  }
  const f4 u0 = wasm_f32x4_add(wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7));
  const f4 u1 = wasm_f32x4_add(wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7));
  STORE(w, wasm_f32x4_add(wasm_i32x4_shuffle(u0, u1, 0, 1, 4, 5), wasm_i32x4_shuffle(u0, u1, 2, 3, 6, 7)));
  for (; j < n; j++) {
    w[0] += q[j] * k[j];
    w[1] += q[j] * k1[j];
    w[2] += q[j] * k2[j];
    w[3] += q[j] * k3[j];
  }
}

/* Σ a[j]·b[j] over n values. */
static inline float dot(const float *a, const float *b, int n) {
  f4 acc = SPLAT(0.0f);
  int j = 0;
  for (; j + 4 <= n; j += 4) acc = MADD(LOAD(a + j), LOAD(b + j), acc);
  float s = hsum(acc);
  for (; j < n; j++) s += a[j] * b[j];
  return s;
}

/* o[0..cols) = Σ_s w[s]·v[s·ld ..], cols a multiple of 4 up to 32: one accumulator a vector, all in registers. */
#define WEIGHTED_SUM(COLS)                                                              \
  do {                                                                                  \
    f4 acc[COLS / 4];                                                                   \
    for (int c = 0; c < COLS / 4; c++) acc[c] = SPLAT(0.0f);                            \
    for (int s = 0; s < limit; s++) {                                                   \
      const f4 ws = SPLAT(wr[s]);                                                       \
      for (int c = 0; c < COLS / 4; c++) acc[c] = MADD(ws, LOAD(vb + s * vLd + j + 4 * c), acc[c]); \
    }                                                                                   \
    for (int c = 0; c < COLS / 4; c++) STORE(o + j + 4 * c, acc[c]);                    \
    j += COLS;                                                                          \
  } while (0)

/*
 * Rows r0..r1-1 of the (sentence b, head i) pairs, r = b·heads + i. Sentence b's query is q + b·qStride, key s is
 * k + b·kStride + s·kLd and value s is v + b·vStride + s·vLd; head i reads columns i·dK..(i+1)·dK-1 of each.
 * w (B, heads, keys) receives the weights: softmax(scale · scores) over the keys s < limit that pad (null or
 * (B, keys) bytes, 1 = padding) does not mark, 0 elsewhere. out (B, heads·dK) receives Σ_s w[s]·value_s.
 */
void EXPORT(attend_one_rows)(const float *q, const float *k, const float *v, float *out, float *w, int r0, int r1,
                             int heads, int dK, int keys, int limit, int qStride, int kStride, int kLd, int vStride,
                             int vLd, const unsigned char *pad, float scale) {
  for (int r = r0; r < r1; r++) {
    const int b = r / heads, i = r % heads;
    const float *qr = q + b * qStride + i * dK;
    const float *kb = k + b * kStride + i * dK;
    const float *vb = v + b * vStride + i * dK;
    float *wr = w + r * keys;
    float *o = out + r * dK; /* (B, heads, dK) is (B, heads·dK): head i's columns of sentence b */
    int s = 0;
    for (; s + 4 <= limit; s += 4) dot4(qr, kb + s * kLd, kLd, dK, wr + s);
    for (; s < limit; s++) wr[s] = dot(qr, kb + s * kLd, dK);
    softmax_row(wr, wr, keys, scale, limit, pad ? pad + b * keys : 0);
    /* o = Σ_s w[s]·v_s, up to 32 columns at a time: 8 independent multiply-adds a key keep both FMA units busy */
    int j = 0;
    while (j + 32 <= dK) WEIGHTED_SUM(32);
    if (j + 16 <= dK) WEIGHTED_SUM(16);
    while (j + 4 <= dK) WEIGHTED_SUM(4);
    for (; j < dK; j++) {
      float a = 0.0f;
      for (s = 0; s < limit; s++) a += wr[s] * vb[s * vLd + j];
      o[j] = a;
    }
  }
}
