#include <wasm_simd128.h>
/* bench/fma-peak: n iterations of 12 independent f32x4 fused multiply-adds: the most arithmetic 128-bit SIMD can issue */
__attribute__((export_name("fma_loop"))) float fma_loop(int n, float x) {
  v128_t a = wasm_f32x4_splat(x), b = wasm_f32x4_splat(0.999f);
  v128_t s0 = wasm_f32x4_splat(x + 1), s1 = wasm_f32x4_splat(x + 2), s2 = wasm_f32x4_splat(x + 3), s3 = wasm_f32x4_splat(x + 4), s4 = wasm_f32x4_splat(x + 5), s5 = wasm_f32x4_splat(x + 6), s6 = wasm_f32x4_splat(x + 7), s7 = wasm_f32x4_splat(x + 8), s8 = wasm_f32x4_splat(x + 9), s9 = wasm_f32x4_splat(x + 10), s10 = wasm_f32x4_splat(x + 11), s11 = wasm_f32x4_splat(x + 12);
  for (int i = 0; i < n; i++) {
#define F(s) s = wasm_f32x4_relaxed_madd(s, b, a)
    F(s0); F(s1); F(s2); F(s3); F(s4); F(s5); F(s6); F(s7); F(s8); F(s9); F(s10); F(s11);
  }
  v128_t t = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)), wasm_f32x4_add(wasm_f32x4_add(s4, s5), wasm_f32x4_add(s6, s7)));
  t = wasm_f32x4_add(t, wasm_f32x4_add(wasm_f32x4_add(s8, s9), wasm_f32x4_add(s10, s11)));
  return wasm_f32x4_extract_lane(t, 0);
}
