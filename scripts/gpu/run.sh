#!/usr/bin/env bash
# The WebGPU checks and benchmarks on a GPU machine, beside PyTorch CUDA on the same GPU. Run from the repository
# root there, with .gpu/ (scripts/gpu/pack.sh) carried beside the tracked tree; it needs no Node and no network.
# Each step has its own time limit, so that one that hangs leaves the others' results; together they stay under
# 9 minutes (540 s), inside one 10-minute command and a 15-minute lease with the machine's start. Results land in $OUT (default: .gpu-out/): env.txt, log.txt (everything printed),
# default.txt, conformance.json, gemm.json, train-tiny.json, train-small.json, decode.json, tests.txt.
#
# GPU_SMOKE=1 runs the same steps at toy sizes on this kind of machine (SwiftShader, the peers on the CPU), to check
# the script and the pack before spending GPU time on them.
set -uo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-$PWD/.gpu-out}
mkdir -p "$OUT"
LOG=$OUT/log.txt
: > "$LOG"
say() { echo "== $*" | tee -a "$LOG"; }
die() { echo "run: $*" | tee -a "$LOG" >&2; exit 1; }
[ -f .gpu/PACKED_BY_scripts-gpu-pack ] || die "no .gpu/ from scripts/gpu/pack.sh here: pack it, and carry .gpu"

# Node and dawn.node into places of their own; the library and its dependencies into the tree (dist/ and
# node_modules/ are git-ignored build outputs, which the tree that travels does not hold)
G=/tmp/transformer-gpu
rm -rf "$G" && mkdir -p "$G"
xz -dc .gpu/node.xz > "$G/node" && chmod +x "$G/node" || die "could not unpack .gpu/node.xz"
tar -xJf .gpu/app.tar.xz || die "could not unpack .gpu/app.tar.xz"
mkdir -p node_modules/webgpu/dist/linux-x64
xz -dc .gpu/dawn.node.xz > node_modules/webgpu/dist/linux-x64/dawn.node || die "could not unpack .gpu/dawn.node.xz"
NODE=$G/node
"$NODE" --version > /dev/null || die "the packed node does not run here"

if [ "${GPU_SMOKE:-}" = 1 ]; then
  export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}
  DEV=cpu
else
  # the Vulkan loader (Dawn opens libvulkan.so.1) and NVIDIA's Vulkan driver, which the image keeps outside the
  # loader's search path
  if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
    for f in .gpu/libvulkan1_*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
  DEV=cuda
fi
# the PyTorch peers: the first python3 that has torch (on a GPU machine a venv, not /usr/bin/python3), and on a GPU
# one that sees it: without the peers the numbers have nothing beside them, so stop before spending GPU time
want='import torch; print(torch.__version__)'
[ "$DEV" = cuda ] && want='import torch; assert torch.cuda.is_available(), "no CUDA"; print(torch.__version__)'
peer=""
for py in ${TRANSFORMER_PEER_PYTHON:-} "$(command -v python3)" /usr/bin/python3 /opt/torch/.venv/bin/python3; do
  if [ -x "$py" ] && "$py" -c "$want" > /dev/null 2>&1; then peer=$py; break; fi
done
[ -n "$peer" ] || die "no python3 here imports torch${DEV:+ with $DEV} (set TRANSFORMER_PEER_PYTHON)"
export TRANSFORMER_PEER_PYTHON=$peer
export TRANSFORMER_BACKEND=webgpu

{
  date -u; uname -a; "$NODE" --version; cat .gpu/PACKED_BY_scripts-gpu-pack; git rev-parse HEAD 2> /dev/null
  nvidia-smi -L 2> /dev/null || echo "no nvidia-smi"
  echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-} VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
  "$TRANSFORMER_PEER_PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt" >> "$LOG"

# the CLI as a program, so that timeout can run it
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE" "$PWD/dist/src/cli/main.js" > "$G/transformer" && chmod +x "$G/transformer"
cli=$G/transformer
# step NAME SECONDS FILE COMMAND...: the command's stdout to FILE (and the log), its stderr to the log
step() {
  local name=$1 secs=$2 file=$3; shift 3
  say "$name (at most ${secs} s): $*"
  local t0=$SECONDS
  timeout -k 10 "$secs" "$@" > "$OUT/$file.tmp" 2>> "$LOG"
  local rc=$?
  cat "$OUT/$file.tmp" >> "$LOG"
  mv "$OUT/$file.tmp" "$OUT/$file"
  say "$name: exit $rc after $((SECONDS - t0)) s"
}

# which kernels a command picks by itself here (TRANSFORMER_BACKEND unset): webgpu on a hardware adapter, the CPU on
# SwiftShader; its first line names the backend and adapter
step default 20 default.txt env -u TRANSFORMER_BACKEND "$cli" conformance test/fixtures/reference/encoder_only_classifier
if [ "${GPU_SMOKE:-}" = 1 ]; then
  step conformance 300 conformance.json "$cli" conformance test/fixtures/reference/seq2seq_greedy --json
  step gemm 120 gemm.json "$cli" bench gemm --shapes '256,256,256' --peer torch --peer-device $DEV --threads 2 --json
  step train-tiny 300 train-tiny.json "$cli" bench train --preset tiny --steps 1 --batch 4 --len 8 --vocab 200 --peer-device $DEV --json
  step train-small 300 train-small.json "$cli" bench train --preset small --steps 1 --batch 2 --len 4 --vocab 200 --peer-device $DEV --json
  step decode 300 decode.json "$cli" bench decode --src-len 4 --new-tokens 3 --peer-device $DEV --json
  step tests 600 tests.txt "$NODE" --test --test-reporter=tap dist/test/backend/webgpu.test.js
else
  step conformance 40 conformance.json "$cli" conformance test/fixtures/reference/* --json
  step gemm 90 gemm.json "$cli" bench gemm --shapes '4096,4096,4096;2048,256,256;2048,1024,256;2048,256,1024;2048,8000,256;1024,1024,1024' \
    --peer torch --peer-device $DEV --json
  step train-tiny 60 train-tiny.json "$cli" bench train --preset tiny --steps 20 --peer-device $DEV --json
  step train-small 90 train-small.json "$cli" bench train --preset small --steps 20 --peer-device $DEV --json
  step decode 90 decode.json "$cli" bench decode --repeats 3 --peer-device $DEV --json
  # the kernels against the reference, and the model, cached decoding and memory over the long counts, on a GPU
  # whose threads really run at once (SwiftShader's do not, which can hide a race)
  export TRANSFORMER_LONG_TESTS=1
  step tests 150 tests.txt "$NODE" --test --test-reporter=tap --test-concurrency=1 \
    dist/test/backend/webgpu.test.js dist/test/backend/device-backends.test.js dist/test/backend/device-memory.test.js
fi
grep -E '^# (tests|pass|fail|skipped)' "$OUT/tests.txt" | tee -a "$LOG"
say "done; results in $OUT"
