#!/usr/bin/env bash
# Packs, into .gpu/ (git-ignored), what a GPU machine without Node needs to run our WebGPU backend there:
# this machine's Node (x86-64, stripped), Dawn's linux-x64 dawn.node from the npm package webgpu, the built
# library (dist/src) with its runtime dependencies, and Debian's Vulkan loader. scripts/gpu/run.sh unpacks it there
# and runs the checks and benchmarks beside PyTorch CUDA.
#
# Why this shape: such a machine has Python and PyTorch but no Node and no network, and what travels to it (the
# tracked tree plus what is carried) is limited to 64 MiB. Node is ~86 MB stripped, so everything is xz-compressed
# with the x86 filter (Node ~21 MB, dawn.node ~4 MB), and the sum is checked here against the limit, not found
# out there. Run after `npm ci`; writes only .gpu/, which it refuses to replace unless an earlier pack made it.
set -euo pipefail
cd "$(dirname "$0")/../.."

LIMIT=$((64 * 1024 * 1024))
OUT_DIR=.gpu
MARK=PACKED_BY_scripts-gpu-pack
die() { echo "pack: $*" >&2; exit 1; }

[ "$(uname -m)" = x86_64 ] || die "this machine is $(uname -m); the GPU machine is x86-64, and Node and dawn.node must be too"
[ -f dist/src/cli/main.js ] || die "no dist/src/cli/main.js: run npm ci (it builds) first"
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn" ] || die "no $dawn: the optional dependency webgpu is not installed (npm ci)"
for tool in xz strip tar apt-get; do command -v "$tool" > /dev/null || die "needs $tool"; done
node_bin=$(node -p process.execPath)
# Debian's nodejs links libnode and friends, which the GPU machine lacks; the official build needs only glibc
extra=$(ldd "$node_bin" | awk '{print $1}' | grep -Ev '^(linux-vdso|/lib64/ld-linux-x86-64|lib(c|m|dl|pthread|rt|gcc_s|stdc\+\+)\.so)' || true)
[ -z "$extra" ] || die "$node_bin links $(echo $extra | tr '\n' ' ')which the GPU machine may not have: use the official Node build"
if [ -e "$OUT_DIR" ] && [ ! -f "$OUT_DIR/$MARK" ]; then die "$OUT_DIR exists and was not made by this script: move it away first"; fi

tmp=$(mktemp -d "$PWD/.gpu.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "pack: node $(node --version) from $node_bin" >&2
strip -o "$tmp/node" "$node_bin"
xz -T1 --x86 --lzma2=preset=9e,dict=128MiB,nice=273 -c "$tmp/node" > "$tmp/node.xz"
rm "$tmp/node"
echo "pack: $dawn (webgpu $(node -p 'require("./node_modules/webgpu/package.json").version'))" >&2
strip --strip-unneeded -o "$tmp/dawn.node" "$dawn"
xz -T1 --x86 --lzma2=preset=9e,dict=32MiB,nice=273 -c "$tmp/dawn.node" > "$tmp/dawn.node.xz"
rm "$tmp/dawn.node"

# the library, the backend tests (run on the GPU too: a real GPU's threads race where SwiftShader's do not), and
# the runtime dependencies (npm's own list, devDependencies left out), less every platform's dawn.node and the types
deps=$(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' | grep -v '^node_modules/@webgpu/types$')
# shellcheck disable=SC2086
tar -cf - --exclude='*.map' --exclude='*.d.ts' --exclude='*.ts.map' --exclude='node_modules/webgpu/dist' \
  dist/src dist/test/backend $deps | xz -9e -T1 > "$tmp/app.tar.xz"

(cd "$tmp" && apt-get download -qq libvulkan1 > /dev/null 2>&1) || die "apt-get download libvulkan1 failed (is Debian's apt reachable?)"

echo "node $(node --version), webgpu $(node -p 'require("./node_modules/webgpu/package.json").version'), commit $(git rev-parse --short HEAD)" > "$tmp/$MARK"

# what travels: the tracked files as they are on disk, the untracked ones git does not ignore, and .gpu/
tree=$( (git ls-files -z; git ls-files -z -o --exclude-standard) | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}')
packed=$(du -cb "$tmp"/* | tail -1 | cut -f1)
total=$((tree + packed))
awk -v t="$tree" -v p="$packed" -v l="$LIMIT" 'BEGIN { m = 1048576
  printf "pack: tree %.1f MiB + .gpu %.1f MiB = %.1f MiB of the %d MiB that may travel\n", t / m, p / m, (t + p) / m, l / m }' >&2
[ "$total" -le "$LIMIT" ] || die "over the limit by $(( (total - LIMIT) / 1024 )) KiB: nothing written to $OUT_DIR"

rm -rf "$OUT_DIR"
mv "$tmp" "$OUT_DIR"
trap - EXIT
ls -l "$OUT_DIR" >&2
echo "pack: done; on the GPU machine: bash scripts/gpu/run.sh (carry .gpu)" >&2
