#!/bin/sh
# Builds the WebAssembly kernels: kernels/out/kernels-{relaxed,simd}.wasm and src/backend/wasm/binaries.ts (the
# same bytes, base64, so neither Node nor a browser bundle needs to locate a .wasm file). Needs clang-19 and
# wasm-ld-19 (Debian: apt-get install clang-19 lld-19). Usage: kernels/build.sh [OUTDIR] [TSFILE]
# EXTRA: more compiler flags, for tuning experiments only (e.g. EXTRA="-DKC=128 -DMC=96"); the committed build has none.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
ts=${2:-$here/../src/backend/wasm/binaries.ts}
CC=${CC:-clang-19}
OBJDUMP=${OBJDUMP:-llvm-objdump-19}
mkdir -p "$out"
cd "$here" # relative source paths only, so nothing of this machine ends up in the output
SOURCES="gemm.c softmax.c attention.c layer_norm.c activations.c cross_entropy.c adam.c"
EXTRA=${EXTRA:-}
for variant in relaxed simd; do
  if [ $variant = relaxed ]; then flags="-mrelaxed-simd -DRELAXED=1"; else flags="-DRELAXED=0"; fi
  $CC --target=wasm32 -msimd128 $flags $EXTRA -matomics -mbulk-memory -ffreestanding -nostdlib -O3 \
    -fno-ident -ffile-prefix-map="$here"=. \
    -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
    -Wl,--stack-first -Wl,-z,stack-size=4096 -Wl,--export=__heap_base \
    -o "$out/kernels-$variant.wasm" $SOURCES
done
# The kernels must not touch the stack pointer or static data: all instances share one memory (common.h).
for variant in relaxed simd; do
  if $OBJDUMP -d "$out/kernels-$variant.wasm" | grep -q "global\.[gs]et"; then
    echo "build.sh: kernels-$variant.wasm uses a global (the stack pointer?): instances would collide" >&2
    exit 1
  fi
  if $OBJDUMP -h "$out/kernels-$variant.wasm" | grep -q " DATA "; then
    echo "build.sh: kernels-$variant.wasm has static data: instances would share it" >&2
    exit 1
  fi
done
node "$here/embed.mjs" "$out" "$ts"
