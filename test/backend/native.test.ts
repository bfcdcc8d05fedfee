/**
 * The native (N-API, AVX2/FMA) backend against the reference kernels: GEMM on odd shapes, all transposes,
 * alpha/beta (NaN in C with beta 0), batches with offsets, strides and leading dimensions, shapes that cross the
 * blocking (KC = 512, MC = 96, NC = 2048), the thread split and the shared packed B of tall products; bit-identical repeats and thread counts; the
 * PyTorch conformance cases with the native backend set.
 *
 * Tolerance as in wasm-gemm.test.ts: γ·(|α|·Σ_p |a_ip·b_pj| + |β·c_ij|) with γ = (k + 4)·u, u = 2^-24.
 *
 * Where the addon is not built (or the CPU lacks AVX2/FMA) these tests skip with the reason — except on CI
 * (process.env.CI) with g++ on the PATH, where a missing addon fails: CI must really build it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { GemmArgs } from "../../src/backend/backend.js";
import { backend as currentBackend, setBackend } from "../../src/backend/index.js";
import { createNativeBackend, type NativeBackend } from "../../src/backend/native/index.js";
import { runCase, formatResult } from "../../src/conformance/run-case.js";
import { BATCHED_GEMM_SHAPES, assertBitIdentical, checkGemm, checkThreadsRule, gemmBuffers, type GemmShape, nativeUnavailable, rng } from "./helpers.js";

const reason = nativeUnavailable();
const hasCompiler = spawnSync("g++", ["--version"]).status === 0;
const mustHave = Boolean(process.env.CI) && hasCompiler;
const skip = reason !== undefined && !mustHave ? `native backend unavailable: ${reason}` : false;

if (reason !== undefined && mustHave) {
  it("builds on CI where g++ exists", () => {
    assert.fail(`CI has g++ but the native addon does not load: ${reason}`);
  });
}

const threadCounts = [1, 2, 3];
const backends = new Map<number, NativeBackend>();

describe("native backend", { skip }, () => {
  before(async () => {
    for (const t of threadCounts) backends.set(t, await createNativeBackend({ threads: t }));
  });
  after(async () => {
    for (const be of backends.values()) await be.dispose();
  });

  const odd = [1, 3, 17, 65, 257];

  for (const t of threadCounts) {
    describe(`gemm, ${t} thread(s)`, () => {
      it("matches the reference on odd shapes, all four transposes, alpha and beta", () => {
        let seed = 1;
        for (const m of odd) for (const n of odd) for (const k of odd) {
          if (m * n * k > 65 * 257 * 257) continue; // keeps the reference's time down
          for (const transA of [false, true]) for (const transB of [false, true]) {
            const alphaBeta = seed % 3 === 0 ? { alpha: 1, beta: 0 } : seed % 3 === 1 ? { alpha: -0.5, beta: 1 } : { alpha: 2, beta: 0.25 };
            checkGemm(backends.get(t)!, { m, n, k, transA, transB, ...alphaBeta }, seed++);
          }
        }
      });

      it("matches on shapes that cross the blocking and the thread split", () => {
        const shapes: GemmShape[] = [
          { m: 130, n: 75, k: 300 },
          { m: 7, n: 300, k: 200, transB: true },
          { m: 300, n: 9, k: 200, transA: true },
          { m: 150, n: 97, k: 513, transA: true, transB: true, alpha: 0.5, beta: -1 },
          { m: 5, n: 2100, k: 20 },
          { m: 40, n: 4200, k: 9, beta: 2 },
          { m: 128, n: 128, k: 128 },
          { m: 200, n: 60, k: 100, ldc: 70 },
          { m: 210, n: 50, k: 100, ldc: 53, beta: 0.5, transA: true },
          { m: 301, n: 33, k: 600, lda: 601, ldb: 40 },
          // tall enough for the threads to share one packed B (m·n·min(k, KC) >= 2^22), over 2 and 3 KC slices
          { m: 300, n: 70, k: 1100, transA: true, beta: 0.5 },
          { m: 130, n: 90, k: 600, transB: true, alpha: -2, batch: 2, strideC: 0, beta: 1 },
        ];
        shapes.forEach((s, i) => checkGemm(backends.get(t)!, s, 100 + i));
      });

      it("handles batches with offsets, leading dimensions and strides", () => {
        BATCHED_GEMM_SHAPES.forEach((s, i) => checkGemm(backends.get(t)!, s, 200 + i));
      });

      it("accumulates batches in order when they share C (strideC = 0)", () => {
        checkGemm(backends.get(t)!, { m: 20, n: 30, k: 200, batch: 6, strideC: 0, beta: 1 }, 300);
        checkGemm(backends.get(t)!, { m: 70, n: 90, k: 150, batch: 3, strideC: 0, beta: 0.5 }, 301);
      });

      it("ignores C when beta = 0, even NaN, and scales C by beta when k = 0", () => {
        const out = checkGemm(backends.get(t)!, { m: 9, n: 13, k: 31, transA: true }, 400, NaN);
        assert.ok(out.subarray(0, 9 * 13).every((x) => Number.isFinite(x)));
        const big = checkGemm(backends.get(t)!, { m: 100, n: 90, k: 300, transB: true }, 403, NaN);
        assert.ok(big.subarray(0, 100 * 90).every((x) => Number.isFinite(x)));
        const zero = checkGemm(backends.get(t)!, { m: 5, n: 6, k: 0 }, 401, NaN);
        assert.ok(zero.subarray(0, 5 * 6).every((x) => x === 0));
        checkGemm(backends.get(t)!, { m: 5, n: 6, k: 0, beta: 0.5 }, 402);
      });
    });
  }

  it("does nothing when m, n or batch is 0", () => {
    const c = new Float32Array([1, 2, 3]);
    const a = new Float32Array(9);
    const be = backends.get(2)!;
    be.gemm({ m: 0, n: 3, k: 3, a, b: a, c });
    be.gemm({ m: 1, n: 3, k: 3, a, b: a, c, batch: 0 });
    assert.deepEqual([...c], [1, 2, 3]);
  });

  it("rejects leading dimensions below the shape and buffers too short", () => {
    const be = backends.get(2)!;
    const a = new Float32Array(12);
    assert.throws(() => be.gemm({ m: 3, n: 4, k: 4, a, b: new Float32Array(16), c: new Float32Array(12), lda: 3 }),
      /lda = 3 is below k/);
    assert.throws(() => be.gemm({ m: 3, n: 4, k: 4, a, b: new Float32Array(15), c: new Float32Array(12) }),
      /B needs elements 0\.\.15 but has 15/);
    assert.throws(() => be.gemm({ m: 3, n: 4, k: 4, a, b: new Float32Array(16), c: new Float32Array(12), cOffset: 1 }),
      /C needs elements 1\.\.12 but has 12/);
  });

  it("gives bit-identical results run to run, and across thread counts", () => {
    const r = rng(500);
    for (const s of [{ m: 200, n: 150, k: 333 }, { m: 190, n: 170, k: 300 }, { m: 9, n: 500, k: 260, transB: true },
      { m: 500, n: 9, k: 100 }, { m: 33, n: 40, k: 128, batch: 8 }, { m: 20, n: 30, k: 200, batch: 6, strideC: 0, beta: 1 },
      { m: 301, n: 97, k: 1100, transA: true }, { m: 130, n: 90, k: 600, batch: 2, strideC: 0, beta: 1 }] as GemmShape[]) {
      const { a, b, c } = gemmBuffers(s as GemmArgs, r);
      const outs = threadCounts.flatMap((t) => [0, 1].map(() => {
        const out = c.slice();
        backends.get(t)!.gemm({ ...s, a, b, c: out });
        return out;
      }));
      for (let i = 1; i < outs.length; i++) assertBitIdentical(outs[i], outs[0], `run ${i} ${JSON.stringify(s)}`);
    }
  });

  it("threads follow backend/threads.ts (TRANSFORMER_THREADS when not given; bad values refused)", () => checkThreadsRule(createNativeBackend));

  it("passes the PyTorch conformance cases with the native backend set", () => {
    const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");
    const saved = currentBackend();
    setBackend(backends.get(2)!);
    try {
      for (const name of fs.readdirSync(fixtures).sort()) {
        const r = runCase(path.join(fixtures, name));
        assert.ok(r.ok, formatResult(r));
      }
    } finally {
      setBackend(saved);
    }
  });
});
