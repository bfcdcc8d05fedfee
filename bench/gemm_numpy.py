#!/usr/bin/env python3
"""numpy/OpenBLAS sgemm on the shapes of bench/gemm.ts, printed as JSON, to set the wasm backend against.

Usage: python3 bench/gemm_numpy.py [--threads N] [--shapes M,N,K;M,N,K...] [--min-ms MS] [--keep-openblas-env]

Some machines here set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for old OpenBLAS builds; they make a current numpy
pick a slower kernel, so this script removes both from its own environment before numpy loads (unless
--keep-openblas-env) and reports which kernel OpenBLAS then runs (through threadpoolctl when installed, else by
asking the OpenBLAS library numpy ships).
"""
import argparse
import ctypes
import glob
import json
import os
import sys
import time

# the preset shapes of bench/gemm.ts: tokens × dModel × dModel, tokens × dFF × dModel, tokens × dModel × dFF,
# tokens × vocab × dModel for the small preset (dModel 256, dFF 1024, vocab 8000, 2048 tokens), and 1024³
DEFAULT_SHAPES = [(2048, 256, 256), (2048, 1024, 256), (2048, 256, 1024), (2048, 8000, 256), (1024, 1024, 1024)]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=None, help="OpenBLAS threads (default: OpenBLAS's own choice)")
    p.add_argument("--shapes", default=None, help="M,N,K;M,N,K...")
    p.add_argument("--min-ms", type=float, default=400.0, help="time each shape for at least this long")
    p.add_argument("--keep-openblas-env", action="store_true", help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    return p.parse_args()


def openblas_info(np):
    """The OpenBLAS core type and thread count: threadpoolctl's view if installed, else the library's own."""
    try:
        from threadpoolctl import threadpool_info  # type: ignore

        for lib in threadpool_info():
            if lib.get("internal_api") == "openblas":
                return {"source": "threadpoolctl", "architecture": lib.get("architecture"),
                        "threads": lib.get("num_threads"), "version": lib.get("version")}
    except ImportError:
        pass
    libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libdir, "*openblas*.so*"))):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
            try:
                core = getattr(lib, f"{prefix}get_corename{suffix}")
                config = getattr(lib, f"{prefix}get_config{suffix}")
                threads = getattr(lib, f"{prefix}get_num_threads{suffix}")
            except AttributeError:
                continue
            core.restype = ctypes.c_char_p
            config.restype = ctypes.c_char_p
            return {"source": "libopenblas (threadpoolctl not installed)", "architecture": core().decode(),
                    "threads": threads(), "version": config().decode()}
    return {"source": "unknown"}


def main():
    args = parse_args()
    removed = []
    if not args.keep_openblas_env:
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                removed.append(f"{key}={os.environ.pop(key)}")
    if args.threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import numpy as np  # after the environment is settled: OpenBLAS reads it when it loads

    shapes = DEFAULT_SHAPES
    if args.shapes:
        shapes = [tuple(int(x) for x in s.split(",")) for s in args.shapes.split(";") if s]
    rng = np.random.default_rng(0)
    results = []
    for m, n, k in shapes:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        c = np.empty((m, n), dtype=np.float32)
        np.matmul(a, b, out=c)  # warm-up
        times = []
        start = time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - start) * 1e3 < args.min_ms:
            t = time.perf_counter()
            np.matmul(a, b, out=c)
            times.append(time.perf_counter() - t)
        times.sort()
        flops = 2.0 * m * n * k
        results.append({"m": m, "n": n, "k": k, "gflops": flops / times[len(times) // 2] / 1e9,
                        "bestGflops": flops / times[0] / 1e9, "runs": len(times)})
    json.dump({"numpy": np.__version__, "openblas": openblas_info(np), "removedEnv": removed, "results": results},
              sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
