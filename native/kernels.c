/*
 * The element kernels of kernels/ (the .c files but gemm.c) (softmax, one-query attention, layer norm, activations, cross-entropy, Adam), compiled into the
 * native addon from the same sources as the WebAssembly build: native/shim/wasm_simd128.h maps the wasm SIMD
 * operations they use onto SSE4.1 and FMA (RELAXED=1: one fused multiply-add, as the wasm build's relaxed
 * variant). Calling them natively saves the copies into and out of wasm memory that delegating would cost.
 * Only these functions are compiled for AVX2/FMA, so the addon still loads (and refuses) on older CPUs.
 */
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC target("avx2,fma")
#define RELAXED 1
#include "../kernels/softmax.c"
#include "../kernels/attention.c"
#include "../kernels/layer_norm.c"
#include "../kernels/activations.c"
#include "../kernels/cross_entropy.c"
#include "../kernels/adam.c"
#endif
