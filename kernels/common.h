/*
 * Shared helpers for the WebAssembly SIMD kernels. Compiled twice: with RELAXED=1 (f32x4.relaxed_madd, one
 * fused multiply-add where the engine has FMA) and RELAXED=0 (plain SIMD: a multiply then an add).
 *
 * Rules every kernel follows, because several instances (one per worker thread) share one memory:
 *  - no static or global data and no stack memory (no arrays on the stack, no address-taken locals): every
 *    buffer is a pointer handed in by the JavaScript side, so instances never collide;
 *  - pointers are byte addresses in the shared memory, laid out by the JavaScript side.
 * build.sh checks the first rule on the linked module (no data segments, no use of __stack_pointer).
 */
#ifndef KERNELS_COMMON_H
#define KERNELS_COMMON_H

#include <wasm_simd128.h>

#ifndef RELAXED
#error "compile with -DRELAXED=0 or -DRELAXED=1"
#endif

typedef v128_t f4;

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name))) name
#else /* the native addon compiles these sources too (native/kernels.c) */
#define EXPORT(name) name
#endif

/* a·b + c */
#if RELAXED
#define MADD(a, b, c) wasm_f32x4_relaxed_madd((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

#define LOAD(p) wasm_v128_load(p)
#define STORE(p, v) wasm_v128_store((p), (v))
#define SPLAT(x) wasm_f32x4_splat(x)

static inline float hsum(f4 v) {
  /* (v0 + v2) + (v1 + v3): a fixed order, so results do not depend on anything but the inputs */
  f4 s = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1);
}

static inline float hmax(f4 v) {
  f4 s = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  float a = wasm_f32x4_extract_lane(s, 0), b = wasm_f32x4_extract_lane(s, 1);
  return a > b ? a : b;
}

/* The first k (1..3) floats at p, zeros after: a vector kernel's tail without touching memory past p + k. */
static inline f4 load_tail(const float *p, int k) {
  f4 v = wasm_f32x4_replace_lane(SPLAT(0.0f), 0, p[0]);
  if (k > 1) v = wasm_f32x4_replace_lane(v, 1, p[1]);
  if (k > 2) v = wasm_f32x4_replace_lane(v, 2, p[2]);
  return v;
}

static inline void store_tail(float *p, f4 v, int k) {
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (k > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (k > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

static inline int imin(int a, int b) { return a < b ? a : b; }

#endif
