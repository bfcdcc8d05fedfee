#!/usr/bin/env python3
"""PyTorch's torch.mm in f32 on the shapes of bench/gemm.ts, on the CPU or a CUDA GPU, printed as JSON like gemm_numpy.py.

Usage: /usr/bin/python3 bench/gemm_torch.py [--device cpu|cuda] [--threads N] [--shapes M,N,K;M,N,K...] [--min-ms MS]

The peer for our WebGPU backend on a GPU machine (and a second CPU peer beside numpy). TF32 is off, for matmul and
cuDNN alike, so that the GPU multiplies in f32 as our kernels do rather than in 10-bit mantissas. On CUDA every
timed call sits between two torch.cuda.synchronize() calls: its time is one launch and the wait for it, with A and
B already on the device, as bench/gemm.ts times a device backend (one gemm, then sync).
"""
import argparse
import json
import sys
import time

import torch

from torch_device import add_device_arg, pick_device

# the preset shapes of bench/gemm.ts (as gemm_numpy.py): the small preset on 2048 tokens, and 1024³
DEFAULT_SHAPES = [(2048, 256, 256), (2048, 1024, 256), (2048, 256, 1024), (2048, 8000, 256), (1024, 1024, 1024)]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_arg(p)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (torch.set_num_threads; default torch's own)")
    p.add_argument("--shapes", default=None, help="M,N,K;M,N,K...")
    p.add_argument("--min-ms", type=float, default=400.0, help="time each shape for at least this long")
    return p.parse_args()


def main():
    args = parse_args()
    device, sync, device_name = pick_device(args.device, "gemm_torch.py")
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    shapes = DEFAULT_SHAPES
    if args.shapes:
        shapes = [tuple(int(x) for x in s.split(",")) for s in args.shapes.split(";") if s]
    gen = torch.Generator().manual_seed(0)
    results = []
    for m, n, k in shapes:
        a = torch.randn(m, k, generator=gen, dtype=torch.float32).to(device)
        b = torch.randn(k, n, generator=gen, dtype=torch.float32).to(device)
        c = torch.empty(m, n, dtype=torch.float32, device=device)
        torch.mm(a, b, out=c)  # warm-up: cuBLAS picks its kernel, the CPU pool starts
        sync()
        times = []
        start = time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - start) * 1e3 < args.min_ms:
            sync()
            t = time.perf_counter()
            torch.mm(a, b, out=c)
            sync()
            times.append(time.perf_counter() - t)
        times.sort()
        flops = 2.0 * m * n * k
        results.append({"m": m, "n": n, "k": k, "gflops": flops / times[len(times) // 2] / 1e9,
                        "bestGflops": flops / times[0] / 1e9, "runs": len(times)})
    json.dump({"torch": torch.__version__, "device": device.type, "device_name": device_name,
               "threads": torch.get_num_threads(), "tf32": False, "results": results}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
