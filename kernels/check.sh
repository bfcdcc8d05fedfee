#!/bin/sh
# Rebuilds the kernels into a temporary folder and fails unless the bytes equal the committed ones
# (kernels/out/*.wasm and src/backend/wasm/binaries.ts). Needs clang-19 and lld-19 (Debian packages).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build.sh" "$tmp/out" "$tmp/binaries.ts"
status=0
for f in kernels-relaxed.wasm kernels-simd.wasm; do
  if ! cmp -s "$tmp/out/$f" "$here/out/$f"; then
    echo "kernels/check.sh: kernels/out/$f differs from a fresh build of kernels/*.c: run kernels/build.sh" >&2
    status=1
  fi
done
if ! cmp -s "$tmp/binaries.ts" "$here/../src/backend/wasm/binaries.ts"; then
  echo "kernels/check.sh: src/backend/wasm/binaries.ts differs from a fresh build: run kernels/build.sh" >&2
  status=1
fi
[ $status -eq 0 ] && echo "kernels/check.sh: the committed kernels match their sources"
exit $status
