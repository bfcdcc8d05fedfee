/* One Adam/AdamW step over n parameters (backend.ts: adam); the scalar factors come from kernels.ts. */
#include "common.h"

/*
 * p ← p·decay − stepSize · m / (sqrt(v)/bc2Sqrt + eps) with m, v updated from g = grad + l2·p, exactly as
 * torch.optim.Adam(W) does it (in float32 here).
 */
void EXPORT(adam)(float *param, const float *grad, float *m, float *v, int n, float beta1, float beta2,
                  float stepSize, float invBc2Sqrt, float eps, float decay, float l2) {
  const f4 b1 = SPLAT(beta1), b2 = SPLAT(beta2), c1 = SPLAT(1.0f - beta1), c2 = SPLAT(1.0f - beta2);
  const f4 ss = SPLAT(stepSize), ib = SPLAT(invBc2Sqrt), ve = SPLAT(eps), vd = SPLAT(decay), vl2 = SPLAT(l2);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 p0 = LOAD(param + i);
    f4 g = MADD(vl2, p0, LOAD(grad + i));
    f4 mi = MADD(b1, LOAD(m + i), wasm_f32x4_mul(c1, g));
    f4 vi = MADD(b2, LOAD(v + i), wasm_f32x4_mul(wasm_f32x4_mul(c2, g), g));
    STORE(m + i, mi);
    STORE(v + i, vi);
    f4 den = MADD(wasm_f32x4_sqrt(vi), ib, ve);
    STORE(param + i, wasm_f32x4_sub(wasm_f32x4_mul(p0, vd), wasm_f32x4_div(wasm_f32x4_mul(ss, mi), den)));
  }
  for (; i < n; i++) {
    float p0 = param[i];
    float g = grad[i] + l2 * p0;
    float mi = beta1 * m[i] + (1.0f - beta1) * g;
    float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p0 * decay - (stepSize * mi) / (__builtin_sqrtf(vi) * invBc2Sqrt + eps);
  }
}
