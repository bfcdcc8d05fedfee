"""PyTorch's float32 <-> float16 / bfloat16 conversions, as a fixture for src/models/half.ts.

Writes test/fixtures/half-precision.json:
  - "cases": a few hundred float32 bit patterns chosen for the edge cases (exact halfway points of both formats and
    one float32 ulp either side, largest and smallest normals and subnormals, values that overflow, +-0, +-inf,
    NaNs, powers of two, random values), each with PyTorch's f16 and bf16 bits (`.half()`, `.bfloat16()`) and the
    float32 bits those convert back to (`.float()`);
  - "digests": SHA-256 of the little-endian results over larger sets that the test rebuilds in the same order:
    every f16 and every bf16 bit pattern converted to float32, and float32 -> f16 / bf16 of SWEEP (below).

Every conversion is of one tensor holding all the values, as a checkpoint's tensors are converted.
Run from the repository root with Debian's torch (apt-get install -y python3-torch):
    /usr/bin/python3 scripts/pytorch/half_fixture.py
"""
import hashlib
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "half-precision.json")

# Low 16 bits of the float32 sweep: the bf16 tie (0x8000) and its neighbours, the f16 tie of normals (0x1000) and
# its neighbours, and the ends; with every high half, this puts ties and near-ties in every exponent of both formats.
SWEEP_LOWS = [0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x3000,
              0x7FFF, 0x8000, 0x8001, 0x9000, 0xEFFF, 0xF000, 0xFFFF]


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def sweep():
    """Float32 bits: every high half with each of SWEEP_LOWS (high-major), then every f16 midpoint and its float32
    neighbours (the ties of f16 subnormals sit at bits the sweep above does not vary)."""
    hi = np.arange(65536, dtype=np.uint32)
    grid = ((hi[:, None] << 16) | np.array(SWEEP_LOWS, dtype=np.uint32)[None, :]).reshape(-1)
    h = np.arange(0x7BFF, dtype=np.uint16)  # each finite non-negative f16 but the largest, with the next one up
    # The midpoint of two adjacent f16 values, computed in float64 (exact) and stored as float32 (exact: 12 bits).
    mid = ((f16_values(h) + f16_values(h + 1)) / 2).astype(np.float32).view(np.uint32)
    mids = np.stack([mid - 1, mid, mid + 1], axis=1).reshape(-1)
    mids = np.concatenate([mids, mids | np.uint32(0x80000000)])
    return np.concatenate([grid, mids]).astype(np.uint32)


def f16_values(h):
    return np.asarray(h, dtype=np.uint16).view(np.float16).astype(np.float64)


def cases():
    """The explicit edge cases, as float32 bit patterns."""
    out = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000,  # +-0, +-inf
           0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FA00000, 0xFF812345, 0x7FFFFFFF,  # NaNs, quiet and signalling
           0x00000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x80000001, 0xFF7FFFFF]  # float32 extremes
    for e in range(-30, 20):
        out += [f32_bits(2.0 ** e), f32_bits(-(2.0 ** e))]  # powers of two through the f16 range and past it
    for e in range(-133, -120, 4):
        out.append(f32_bits(2.0 ** e))  # bf16 subnormals
    for v in [65504.0, 65519.0, 65520.0, 65536.0, 1e5, -65520.0,  # the largest f16 and its overflow
              2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -26, 1023 * 2.0 ** -24, 1.5 * 2.0 ** -24,
              2.0 ** -14 - 2.0 ** -25,  # smallest f16 normal, subnormals, their halves, and the subnormal/normal tie
              3.3895313892515355e38, 3.4e38, 1.0, -1.0, 0.1, 1 / 3, 3.140625, 3.14159265]:
        out.append(f32_bits(v))
    out += [0x7F7F7FFF, 0x7F7F8000, 0x7F7F8001, 0xFF7F8000]  # the bf16 overflow tie and its neighbours
    out += [0x477FEFFF, 0x477FF000, 0x477FF001]  # the f16 overflow tie (65520) and its neighbours
    # Ties and their neighbours in both formats, at odd and even mantissas: f16 normals (0x1000 of 0x2000), f16
    # subnormals (the tie bit moves up as the exponent falls) and bf16 (0x8000 of 0x10000).
    for base in [0x3F800000, 0x3F802000, 0x40490000, 0x38800000, 0x33800000, 0x35000000, 0x36C00000, 0x00FF0000]:
        for low in [0x0FFF, 0x1000, 0x1001, 0x3000, 0x7FFF, 0x8000, 0x8001]:
            out += [base | low, (base | low) | 0x80000000]
    for h in [0x0001, 0x0002, 0x0003, 0x01FF, 0x0200, 0x03FF, 0x0400, 0x3C00, 0x3C01, 0x7BFE]:
        m = f32_bits(float(f16_values([h, h + 1]).sum() / 2))
        out += [m - 1, m, m + 1]  # an f16 tie exactly and one float32 ulp either side
    rng = np.random.default_rng(20261124)
    out += [int(b) for b in rng.integers(0, 2 ** 32, size=60, dtype=np.uint64)]  # any float32
    out += [f32_bits(float(v)) for v in rng.normal(0, 1, size=40)]  # weight-like values
    seen = set()
    return [b for b in out if not (b in seen or seen.add(b))]


def to_tensor(bits):
    return torch.from_numpy(np.asarray(bits, dtype=np.uint32).view(np.float32).copy())


def bits16(t):
    return t.view(torch.int16).numpy().view(np.uint16)


def bits32(t):
    return t.view(torch.int32).numpy().view(np.uint32)


def digest(a):
    return hashlib.sha256(np.ascontiguousarray(a).astype("<u4" if a.dtype == np.uint32 else "<u2").tobytes()).hexdigest()


def main():
    c = cases()
    x = to_tensor(c)
    h, b = x.half(), x.bfloat16()
    every = torch.from_numpy(np.arange(65536, dtype=np.uint16).view(np.int16).copy())
    s = to_tensor(sweep())
    fixture = {
        "source": f"torch {torch.__version__}, scripts/pytorch/half_fixture.py",
        "sweep_lows": SWEEP_LOWS,
        "cases": [{"f32": f"{f:08x}", "f16": f"{int(a):04x}", "f16_f32": f"{int(a32):08x}",
                   "bf16": f"{int(bb):04x}", "bf16_f32": f"{int(b32):08x}"}
                  for f, a, a32, bb, b32 in zip(c, bits16(h), bits32(h.float()), bits16(b), bits32(b.float()))],
        "digests": {
            "f16_to_f32_all": digest(bits32(every.view(torch.float16).float())),
            "bf16_to_f32_all": digest(bits32(every.view(torch.bfloat16).float())),
            "sweep_count": int(s.numel()),
            "sweep_f32": digest(bits32(s)),
            "sweep_to_f16": digest(bits16(s.half())),
            "sweep_to_bf16": digest(bits16(s.bfloat16())),
        },
    }
    text = json.dumps(fixture, indent=1)
    # One case to a line, so that a failing case is easy to find in the file.
    for case in fixture["cases"]:
        text = text.replace(json.dumps(case, indent=1).replace("\n", "\n  "), json.dumps(case), 1)
    text = text.replace(json.dumps(SWEEP_LOWS, indent=1).replace("\n", "\n "), json.dumps(SWEEP_LOWS), 1)
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print(f"wrote {len(c)} cases and {s.numel()} sweep values to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
