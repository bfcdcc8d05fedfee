/*
 * The part of <wasm_simd128.h> that the kernels/ sources use, on x86-64 SSE4.1 + FMA, so that the native addon compiles the
 * very same kernel sources as the WebAssembly build (native/kernels.c): one source per kernel, two targets.
 * Every operation keeps WebAssembly's semantics, lane for lane (pmin/pmax included, which differ from minps/maxps
 * on NaN and signed zeros only in operand order). Only what the kernels use is here; a new kernel that needs more
 * fails to compile rather than silently getting something else.
 */
#ifndef TN_WASM_SIMD128_SHIM_H
#define TN_WASM_SIMD128_SHIM_H

#include <immintrin.h>
#include <string.h>

typedef __m128 v128_t;

#define TN_I(v) _mm_castps_si128(v)
#define TN_F(v) _mm_castsi128_ps(v)

static inline v128_t wasm_v128_load(const void *p) { return _mm_loadu_ps((const float *)p); }
static inline void wasm_v128_store(void *p, v128_t v) { _mm_storeu_ps((float *)p, v); }
static inline v128_t wasm_v128_load32_zero(const void *p) {
  int x;
  memcpy(&x, p, 4);
  return TN_F(_mm_cvtsi32_si128(x));
}
static inline v128_t wasm_v128_load32_splat(const void *p) {
  int x;
  memcpy(&x, p, 4);
  return TN_F(_mm_set1_epi32(x));
}

static inline v128_t wasm_f32x4_splat(float x) { return _mm_set1_ps(x); }
static inline v128_t wasm_f32x4_add(v128_t a, v128_t b) { return _mm_add_ps(a, b); }
static inline v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return _mm_sub_ps(a, b); }
static inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return _mm_mul_ps(a, b); }
static inline v128_t wasm_f32x4_div(v128_t a, v128_t b) { return _mm_div_ps(a, b); }
static inline v128_t wasm_f32x4_sqrt(v128_t a) { return _mm_sqrt_ps(a); }
static inline v128_t wasm_f32x4_abs(v128_t a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
static inline v128_t wasm_f32x4_nearest(v128_t a) { return _mm_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a; minps(x, y) = x < y ? x : y, maxps(x, y) = x > y ? x : y */
static inline v128_t wasm_f32x4_pmin(v128_t a, v128_t b) { return _mm_min_ps(b, a); }
static inline v128_t wasm_f32x4_pmax(v128_t a, v128_t b) { return _mm_max_ps(b, a); }
static inline v128_t wasm_f32x4_relaxed_madd(v128_t a, v128_t b, v128_t c) { return _mm_fmadd_ps(a, b, c); }
static inline v128_t wasm_f32x4_lt(v128_t a, v128_t b) { return _mm_cmplt_ps(a, b); }
static inline v128_t wasm_f32x4_gt(v128_t a, v128_t b) { return _mm_cmpgt_ps(a, b); }
static inline v128_t wasm_f32x4_ge(v128_t a, v128_t b) { return _mm_cmpge_ps(a, b); }
#define wasm_f32x4_extract_lane(v, i) ((float)(v)[i])
#define wasm_f32x4_replace_lane(v, i, x) __extension__({ v128_t tn_r_ = (v); tn_r_[i] = (x); tn_r_; })

static inline v128_t wasm_v128_and(v128_t a, v128_t b) { return _mm_and_ps(a, b); }
/* a & ~b */
static inline v128_t wasm_v128_andnot(v128_t a, v128_t b) { return _mm_andnot_ps(b, a); }
/* (a & mask) | (b & ~mask) */
static inline v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t mask) {
  return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
}

static inline v128_t wasm_i32x4_splat(int x) { return TN_F(_mm_set1_epi32(x)); }
static inline v128_t wasm_i32x4_make(int a, int b, int c, int d) { return TN_F(_mm_setr_epi32(a, b, c, d)); }
static inline v128_t wasm_i32x4_add(v128_t a, v128_t b) { return TN_F(_mm_add_epi32(TN_I(a), TN_I(b))); }
static inline v128_t wasm_i32x4_shl(v128_t a, int n) { return TN_F(_mm_sll_epi32(TN_I(a), _mm_cvtsi32_si128(n & 31))); }
static inline v128_t wasm_i32x4_gt(v128_t a, v128_t b) { return TN_F(_mm_cmpgt_epi32(TN_I(a), TN_I(b))); }
static inline v128_t wasm_i32x4_ne(v128_t a, v128_t b) {
  return TN_F(_mm_xor_si128(_mm_cmpeq_epi32(TN_I(a), TN_I(b)), _mm_set1_epi32(-1)));
}
static inline v128_t wasm_u16x8_extend_low_u8x16(v128_t a) { return TN_F(_mm_cvtepu8_epi16(TN_I(a))); }
static inline v128_t wasm_u32x4_extend_low_u16x8(v128_t a) { return TN_F(_mm_cvtepu16_epi32(TN_I(a))); }

/* lanes 0..3 from a, 4..7 from b (constant indices, as in WebAssembly) */
#if defined(__clang__)
#define wasm_i32x4_shuffle(a, b, c0, c1, c2, c3) __builtin_shufflevector((v128_t)(a), (v128_t)(b), c0, c1, c2, c3)
#else
typedef int tn_i32x4_ __attribute__((vector_size(16)));
#define wasm_i32x4_shuffle(a, b, c0, c1, c2, c3) \
  __builtin_shuffle((v128_t)(a), (v128_t)(b), (tn_i32x4_){c0, c1, c2, c3})
#endif

#endif
