#!/bin/sh
# The arithmetic ceiling of each instruction set on this machine, one core: a loop of 12 independent fused
# multiply-adds, as WebAssembly SIMD (f32x4.relaxed_madd, 4 lanes) run by Node's V8, beside the same loop as AVX2
# (vfmadd, 8 lanes) compiled natively, taken in turn in one run. Their ratio bounds what any wasm GEMM can reach
# against an AVX2 BLAS such as OpenBLAS (bench/README.md, "What bounds the ratio").
# Needs clang-19 and wasm-ld-19 (Debian: clang-19 lld-19) and a C compiler. Usage: sh bench/fma-peak/run.sh [ROUNDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clang-19 --target=wasm32 -msimd128 -mrelaxed-simd -O2 -nostdlib -Wl,--no-entry -o "$tmp/fma.wasm" "$here/fma_wasm.c"
${CC:-cc} -O2 -mavx2 -mfma -o "$tmp/fma_avx2" "$here/fma_avx2.c"
node "$here/run.mjs" "$tmp/fma.wasm" "$tmp/fma_avx2" "${1:-5}"
