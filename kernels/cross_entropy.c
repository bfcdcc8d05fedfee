/*
 * The vector parts of cross-entropy over rows of logits (backend.ts: crossEntropy, crossEntropyBackward); the
 * per-row scalar arithmetic (log, label smoothing, ignored rows, target checks) stays in kernels.ts.
 */
#include "vmath.h"

/* For rows r0..r1-1: rowMax = max_j x, rowSumExp = Σ exp(x − rowMax), rowSum = Σ x. */
void EXPORT(cross_entropy_rows)(const float *logits, int r0, int r1, int cols, float *rowMax, float *rowSumExp,
                                float *rowSum) {
  for (int r = r0; r < r1; r++) {
    const float *x = logits + r * cols;
    f4 vmax = SPLAT(-__builtin_inff());
    int j = 0;
    for (; j + 4 <= cols; j += 4) vmax = wasm_f32x4_pmax(vmax, LOAD(x + j));
    float max = hmax(vmax);
    for (; j < cols; j++) max = x[j] > max ? x[j] : max;
    const f4 vm = SPLAT(max);
    f4 se0 = SPLAT(0.0f), se1 = SPLAT(0.0f), s0 = SPLAT(0.0f), s1 = SPLAT(0.0f);
    for (j = 0; j + 8 <= cols; j += 8) {
      f4 a = LOAD(x + j), b = LOAD(x + j + 4);
      se0 = wasm_f32x4_add(se0, vexp(wasm_f32x4_sub(a, vm)));
      se1 = wasm_f32x4_add(se1, vexp(wasm_f32x4_sub(b, vm)));
      s0 = wasm_f32x4_add(s0, a);
      s1 = wasm_f32x4_add(s1, b);
    }
    if (j < cols) {
      /* up to 7 left: the padding lanes get −inf, so exp gives 0 */
      for (; j < cols; j += 4) {
        int k = imin(4, cols - j);
        f4 a = k == 4 ? LOAD(x + j) : load_tail(x + j, k);
        f4 keep = wasm_i32x4_gt(wasm_i32x4_splat(k), wasm_i32x4_make(0, 1, 2, 3));
        se0 = wasm_f32x4_add(se0, wasm_v128_and(vexp(wasm_f32x4_sub(a, vm)), keep));
        s0 = wasm_f32x4_add(s0, a);
      }
    }
    rowMax[r] = max;
    rowSumExp[r] = hsum(wasm_f32x4_add(se0, se1));
    rowSum[r] = hsum(wasm_f32x4_add(s0, s1));
  }
}

/*
 * For rows r0..r1-1: dLogits = scale · (exp(x − lse) − ε/C), then scale·(1 − ε) off the target; rows whose
 * target is ignoreIndex get 0. Targets are already checked to be in range.
 */
void EXPORT(cross_entropy_backward_rows)(const float *logits, const int *targets, const float *lse, int r0, int r1,
                                         int cols, int ignoreIndex, float smoothing, float scale, float *dLogits) {
  const f4 vs = SPLAT(scale), vu = SPLAT(smoothing / (float)cols);
  for (int r = r0; r < r1; r++) {
    const float *x = logits + r * cols;
    float *d = dLogits + r * cols;
    int t = targets[r];
    int j = 0;
    if (t == ignoreIndex) {
      for (; j + 4 <= cols; j += 4) STORE(d + j, SPLAT(0.0f));
      for (; j < cols; j++) d[j] = 0.0f;
      continue;
    }
    const f4 vl = SPLAT(lse[r]);
    for (; j + 4 <= cols; j += 4) STORE(d + j, wasm_f32x4_mul(vs, wasm_f32x4_sub(vexp(wasm_f32x4_sub(LOAD(x + j), vl)), vu)));
    if (j < cols) {
      int k = cols - j;
      store_tail(d + j, wasm_f32x4_mul(vs, wasm_f32x4_sub(vexp(wasm_f32x4_sub(load_tail(x + j, k), vl)), vu)), k);
    }
    d[t] -= scale * (1.0f - smoothing);
  }
}
