/**
 * The wasm GEMM against the reference (src/backend/js/gemm.ts), for relaxed and plain SIMD, 1 and 2 threads.
 *
 * Tolerance: the reference sums in float64 and rounds once; the wasm kernel sums k products in float32 (fused or
 * not), then applies alpha and beta. Each element's rounding error is then at most γ·(|α|·Σ_p |a_ip·b_pj| +
 * |β·c_ij|) with γ = (k + 4)·u, u = 2^-24: the classic bound for a float32 dot product of length k (Higham,
 * Accuracy and Stability, §3.1) plus the few operations of the alpha/beta update. It is a worst-case bound, not
 * a fudge factor, so it stays valid for every shape; elements the call must not touch have to come back unchanged.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GemmArgs } from "../../src/backend/backend.js";
import { createWasmBackend } from "../../src/backend/wasm/index.js";
import { BATCHED_GEMM_SHAPES, assertBitIdentical, checkGemm, checkThreadsRule, gemmBuffers, type GemmShape, rng, uniform, wasmVariants } from "./helpers.js";

const variants = wasmVariants();

const odd = [1, 3, 17, 65];

for (const v of variants) {
  describe(`wasm gemm (${v.label})`, () => {
    it("matches the reference on odd shapes, all four transposes, alpha and beta", () => {
      let seed = 1;
      for (const m of odd) for (const n of odd) for (const k of odd) {
        for (const transA of [false, true]) for (const transB of [false, true]) {
          const alphaBeta = seed % 3 === 0 ? { alpha: 1, beta: 0 } : seed % 3 === 1 ? { alpha: -0.5, beta: 1 } : { alpha: 2, beta: 0.25 };
          checkGemm(v.backend!, { m, n, k, transA, transB, ...alphaBeta }, seed++);
        }
      }
    });

    it("matches on shapes that cross the blocking (KC = 256, MC = 144, NC = 2048) and are split over threads", () => {
      const shapes: GemmShape[] = [
        { m: 130, n: 75, k: 300 },
        { m: 7, n: 300, k: 200, transB: true }, // split by columns
        { m: 300, n: 9, k: 200, transA: true }, // split by rows
        { m: 150, n: 97, k: 513, transA: true, transB: true, alpha: 0.5, beta: -1 },
        { m: 5, n: 2100, k: 20 }, // more columns than one NC block, single-threaded
        { m: 40, n: 4200, k: 9, beta: 2 }, // more columns than NC per thread
        { m: 128, n: 128, k: 128 },
        { m: 200, n: 60, k: 100, ldc: 70 }, // row chunks copied out one by one, C with gaps between rows
        { m: 210, n: 50, k: 100, ldc: 53, beta: 0.5, transA: true },
        { m: 520, n: 64, k: 128 }, // four row chunks for two threads
        { m: 8, n: 1100, k: 256, transA: true }, // four column chunks
        // B packed once for all row chunks, in several tasks (columns past 256, k past KC), edge panels
        { m: 260, n: 301, k: 520, transB: true, beta: 0.5 },
        // B streamed in KC rows at a time while the threads pack it: gaps between its rows, an offset
        { m: 260, n: 70, k: 600, ldb: 75, bOffset: 4, aOffset: 3, lda: 601 },
        // A and C streamed in row chunk by row chunk: offsets and leading dimensions past the shape
        { m: 200, n: 64, k: 100, lda: 110, ldc: 70, aOffset: 5, bOffset: 2, cOffset: 3, beta: 0.5, transB: true, ldb: 101 },
      ];
      shapes.forEach((s, i) => checkGemm(v.backend!, s, 100 + i));
    });

    it("handles batches with offsets, leading dimensions and strides", () => {
      BATCHED_GEMM_SHAPES.forEach((s, i) => checkGemm(v.backend!, s, 200 + i));
    });

    it("accumulates batches in order when they share C (strideC = 0)", () => {
      checkGemm(v.backend!, { m: 20, n: 30, k: 200, batch: 6, strideC: 0, beta: 1 }, 300);
      checkGemm(v.backend!, { m: 70, n: 90, k: 150, batch: 3, strideC: 0, beta: 0.5 }, 301);
    });

    it("ignores C when beta = 0, even NaN, and scales C by beta when k = 0", () => {
      const out = checkGemm(v.backend!, { m: 9, n: 13, k: 31, transA: true }, 400, NaN);
      assert.ok(out.subarray(0, 9 * 13).every((x) => Number.isFinite(x)));
      const zero = checkGemm(v.backend!, { m: 5, n: 6, k: 0 }, 401, NaN);
      assert.ok(zero.subarray(0, 5 * 6).every((x) => x === 0));
      checkGemm(v.backend!, { m: 5, n: 6, k: 0, beta: 0.5 }, 402);
    });

    it("does nothing when m, n or batch is 0", () => {
      const c = new Float32Array([1, 2, 3]);
      const a = new Float32Array(9);
      v.backend!.gemm({ m: 0, n: 3, k: 3, a, b: a, c });
      v.backend!.gemm({ m: 1, n: 3, k: 3, a, b: a, c, batch: 0 });
      assert.deepEqual([...c], [1, 2, 3]);
    });

    it("rejects leading dimensions below the shape and buffers too short", () => {
      const a = new Float32Array(12);
      assert.throws(() => v.backend!.gemm({ m: 3, n: 4, k: 4, a, b: new Float32Array(16), c: new Float32Array(12), lda: 3 }),
        /lda = 3 is below k/);
      assert.throws(() => v.backend!.gemm({ m: 3, n: 4, k: 4, a, b: new Float32Array(15), c: new Float32Array(12) }),
        /B needs elements 0\.\.15 but has 15/);
    });

    it("gives bit-identical results run to run", () => {
      const r = rng(500);
      const m = 200, n = 150, k = 333;
      const a = uniform(r, m * k), b = uniform(r, k * n);
      const c1 = new Float32Array(m * n), c2 = new Float32Array(m * n);
      v.backend!.gemm({ m, n, k, a, b, c: c1 });
      v.backend!.gemm({ m, n, k, a, b, c: c2 });
      assertBitIdentical(c1, c2, "repeat");
    });
  });
}

describe("wasm gemm: threads", () => {
  it("give the same bits as one thread, whichever thread takes which chunk (batch, row and column chunks)", () => {
    for (const relaxed of [true, false]) {
      const [one, two] = variants.filter((v) => v.relaxed === relaxed).map((v) => v.backend!);
      const r = rng(600);
      for (const s of [{ m: 190, n: 170, k: 300 }, { m: 9, n: 500, k: 260, transB: true }, { m: 500, n: 9, k: 100 },
        { m: 33, n: 40, k: 128, batch: 8 }, { m: 520, n: 64, k: 128 }, { m: 8, n: 1100, k: 256 },
        { m: 260, n: 301, k: 520, transB: true, beta: 0.5 }] as GemmShape[]) {
        const { a, b, c } = gemmBuffers(s as GemmArgs, r);
        const c1 = c.slice(), c2 = c.slice();
        one.gemm({ ...s, a, b, c: c1 });
        two.gemm({ ...s, a, b, c: c2 });
        assertBitIdentical(c1, c2, `1 vs 2 threads ${JSON.stringify(s)}`);
      }
    }
  });

  it("count follows backend/threads.ts (TRANSFORMER_THREADS when not given; bad values refused)", () => checkThreadsRule(createWasmBackend));

  it("take a task handed over right after creation (a worker that is slow to start must not miss it)", async () => {
    const r = rng(700);
    const m = 96, n = 96, k = 128; // over the threshold, so both threads work
    const a = uniform(r, m * k), b = uniform(r, k * n);
    const expected = new Float32Array(m * n);
    variants[1].backend!.gemm({ m, n, k, a, b, c: expected });
    for (let i = 0; i < 6; i++) {
      const be = await createWasmBackend({ threads: 2 });
      const c = new Float32Array(m * n);
      be.gemm({ m, n, k, a, b, c });
      await be.dispose();
      assertBitIdentical(c, expected, `fresh backend ${i}`);
    }
  });

  it("refuse work after dispose()", async () => {
    const be = await createWasmBackend({ threads: 2 });
    await be.dispose();
    const a = new Float32Array(64 * 64);
    assert.throws(() => be.gemm({ m: 64, n: 64, k: 64, a, b: a, c: a.slice() }), /after dispose/);
  });
});
