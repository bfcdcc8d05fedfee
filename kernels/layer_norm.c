/* Layer normalisation over rows and its backward (backend.ts: layerNorm, layerNormBackward). */
#include "common.h"

static float row_sum(const float *x, int cols) {
  f4 a0 = SPLAT(0.0f), a1 = SPLAT(0.0f);
  int j = 0;
  for (; j + 8 <= cols; j += 8) {
    a0 = wasm_f32x4_add(a0, LOAD(x + j));
    a1 = wasm_f32x4_add(a1, LOAD(x + j + 4));
  }
  for (; j + 4 <= cols; j += 4) a0 = wasm_f32x4_add(a0, LOAD(x + j));
  float s = hsum(wasm_f32x4_add(a0, a1));
  for (; j < cols; j++) s += x[j];
  return s;
}

/* Rows r0..r1-1: out = (x − mean)·rstd·gamma + beta, with the biased variance, two passes. */
void EXPORT(layer_norm_rows)(const float *x, const float *gamma, const float *beta, float *out, float *mean,
                             float *rstd, int r0, int r1, int cols, float eps) {
  for (int r = r0; r < r1; r++) {
    const float *xr = x + r * cols;
    float *o = out + r * cols;
    float mu = row_sum(xr, cols) / (float)cols;
    const f4 vmu = SPLAT(mu);
    f4 a0 = SPLAT(0.0f), a1 = SPLAT(0.0f);
    int j = 0;
    for (; j + 8 <= cols; j += 8) {
      f4 d0 = wasm_f32x4_sub(LOAD(xr + j), vmu), d1 = wasm_f32x4_sub(LOAD(xr + j + 4), vmu);
      a0 = MADD(d0, d0, a0);
      a1 = MADD(d1, d1, a1);
    }
    for (; j + 4 <= cols; j += 4) {
      f4 d = wasm_f32x4_sub(LOAD(xr + j), vmu);
      a0 = MADD(d, d, a0);
    }
    float var = hsum(wasm_f32x4_add(a0, a1));
    for (; j < cols; j++) var += (xr[j] - mu) * (xr[j] - mu);
    var /= (float)cols;
    float rs = 1.0f / __builtin_sqrtf(var + eps);
    mean[r] = mu;
    rstd[r] = rs;
    const f4 vrs = SPLAT(rs);
    for (j = 0; j + 4 <= cols; j += 4) {
      f4 xhat = wasm_f32x4_mul(wasm_f32x4_sub(LOAD(xr + j), vmu), vrs);
      STORE(o + j, MADD(xhat, LOAD(gamma + j), LOAD(beta + j)));
    }
    for (; j < cols; j++) o[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
  }
}

/*
 * Rows r0..r1-1: dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) with g = dy ⊙ gamma; adds Σ_rows dy⊙x̂ into dGamma
 * and Σ_rows dy into dBeta (each thread passes its own partial sums; the caller adds them up in a fixed order).
 */
void EXPORT(layer_norm_backward_rows)(const float *dy, const float *x, const float *gamma, const float *mean,
                                      const float *rstd, float *dx, float *dGamma, float *dBeta, int r0, int r1,
                                      int cols) {
  for (int r = r0; r < r1; r++) {
    const float *dyr = dy + r * cols, *xr = x + r * cols;
    float *dxr = dx + r * cols;
    float mu = mean[r], rs = rstd[r];
    const f4 vmu = SPLAT(mu), vrs = SPLAT(rs);
    f4 sg = SPLAT(0.0f), sgx = SPLAT(0.0f);
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      f4 d = LOAD(dyr + j);
      f4 xhat = wasm_f32x4_mul(wasm_f32x4_sub(LOAD(xr + j), vmu), vrs);
      f4 g = wasm_f32x4_mul(d, LOAD(gamma + j));
      sg = wasm_f32x4_add(sg, g);
      sgx = MADD(g, xhat, sgx);
      STORE(dGamma + j, MADD(d, xhat, LOAD(dGamma + j)));
      STORE(dBeta + j, wasm_f32x4_add(LOAD(dBeta + j), d));
    }
    float sumG = hsum(sg), sumGX = hsum(sgx);
    for (; j < cols; j++) {
      float xhat = (xr[j] - mu) * rs, g = dyr[j] * gamma[j];
      sumG += g;
      sumGX += g * xhat;
      dGamma[j] += dyr[j] * xhat;
      dBeta[j] += dyr[j];
    }
    float meanG = sumG / (float)cols, meanGX = sumGX / (float)cols;
    const f4 vmg = SPLAT(meanG), vmgx = SPLAT(meanGX);
    for (j = 0; j + 4 <= cols; j += 4) {
      f4 xhat = wasm_f32x4_mul(wasm_f32x4_sub(LOAD(xr + j), vmu), vrs);
      f4 g = wasm_f32x4_mul(LOAD(dyr + j), LOAD(gamma + j));
      STORE(dxr + j, wasm_f32x4_mul(vrs, wasm_f32x4_sub(wasm_f32x4_sub(g, vmg), wasm_f32x4_mul(xhat, vmgx))));
    }
    for (; j < cols; j++) {
      float xhat = (xr[j] - mu) * rs;
      dxr[j] = rs * (dyr[j] * gamma[j] - meanG - xhat * meanGX);
    }
  }
}
