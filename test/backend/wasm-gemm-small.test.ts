/**
 * The wasm GEMM's paths for few rows (kernels/gemm.c) and the blocked path around their boundary: against the
 * reference within wasm-gemm.test.ts's bound on odd shapes.
 *  - The dot path (x·Wᵀ: m ≤ 4, B transposed, A plain: every decoding step's products, beam search's included)
 *    sums each element in one fixed order, checked here bit for bit against that order computed in JavaScript
 *    (plain SIMD, where every step is a rounded multiply then a rounded add); its bits do not depend on which
 *    columns are computed together (a product over a few columns equals those columns of the whole), nor on
 *    which rows (a row of a 2–4-row product equals that row alone).
 *  - gemm_small (the other one-row products) keeps the blocked path's summation order: an m = 1 product must
 *    equal that row of a taller product (m = 9) bit for bit, and so must an m = 4 one that is not x·Wᵀ.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GemmArgs } from "../../src/backend/backend.js";
import { assertBitIdentical, checkGemm, gemmBuffers, type GemmShape, rng, wasmVariants } from "./helpers.js";

const variants = wasmVariants();

/** alpha and beta pairs: the plain product, a bias added (beta 1), and both scaled. */
const SCALES = [{ alpha: 1, beta: 0 }, { alpha: 1, beta: 1 }, { alpha: -0.5, beta: 0.25 }];

for (const v of variants) {
  describe(`wasm gemm, small m (${v.label})`, () => {
    it("matches the reference on odd shapes, all four transposes, alpha and beta", () => {
      let seed = 1000;
      // k past 4, 8 and 16 and across KC = 256; n past one panel of 8, odd, and split over threads
      for (const m of [1, 2, 3, 4]) for (const n of [1, 7, 9, 17, 33, 301]) for (const k of [1, 3, 5, 13, 259]) {
        for (const transA of [false, true]) for (const transB of [false, true]) {
          checkGemm(v.backend!, { m, n, k, transA, transB, ...SCALES[seed % 3] }, seed++);
        }
      }
    });

    it("honours leading dimensions, offsets and batch strides", () => {
      const shapes: GemmShape[] = [
        { m: 1, n: 37, k: 21, transB: true, lda: 30, ldb: 23, ldc: 40, aOffset: 3, bOffset: 5, cOffset: 7, beta: 1 },
        { m: 3, n: 19, k: 300, lda: 301, ldb: 25, ldc: 22, aOffset: 1, bOffset: 2, cOffset: 3, alpha: 2, beta: 0.5 },
        { m: 2, n: 11, k: 9, transA: true, transB: true, lda: 4, ldb: 12, ldc: 13, alpha: -1 },
        { m: 4, n: 45, k: 70, transB: true, batch: 3, strideA: 4 * 70 + 3, strideB: 0, strideC: 4 * 45 + 1 },
        { m: 1, n: 2100, k: 260, transB: true, beta: 1 }, // column chunks on two threads, k past KC
        { m: 1, n: 20, k: 30, batch: 5, strideC: 0, beta: 1 }, // batches accumulating into one C
      ];
      shapes.forEach((s, i) => checkGemm(v.backend!, s, 1100 + i));
    });

    it("ignores C when beta = 0, even NaN", () => {
      for (const [i, s] of ([{ m: 1, n: 13, k: 17, transB: true }, { m: 4, n: 9, k: 5 },
        { m: 2, n: 300, k: 261, transA: true, transB: true }] as GemmShape[]).entries()) {
        const out = checkGemm(v.backend!, s, 1200 + i, NaN);
        assert.ok(out.subarray(0, s.m * s.n).every((x) => Number.isFinite(x)), JSON.stringify(s));
      }
    });

    it("gives the bits of the blocked path, row for row", () => {
      const r = rng(1300);
      for (const n of [13, 300, 2100]) for (const k of [7, 300]) for (const transA of [false, true]) {
        for (const transB of [false, true]) for (const scale of [...SCALES, { alpha: 0.75, beta: 0.5 }]) {
          // rows 0..7 of a 9-row product are full 4-row tiles, row 8 an edge tile: m = 4 and m = 1 cover both
          const tall: GemmShape = { m: 9, n, k, transA, transB, ...scale, lda: transA ? 9 : k, ldc: n };
          const { a, b, c } = gemmBuffers(tall as GemmArgs, r);
          if (scale.beta === 0) c.fill(NaN);
          const expected = c.slice();
          v.backend!.gemm({ ...tall, a, b, c: expected });
          // row 3 alone (an edge tile) against row 3 of a full tile: their epilogues differ only in whether
          // alpha·acc + … is fused, which gives the same bits when alpha is a power of two (decoding's alpha is 1)
          const parts = scale.alpha === 0.75 ? [[0, 4], [4, 4], [8, 1]] : [[0, 4], [4, 4], [8, 1], [3, 1]];
          for (const [i0, rows] of parts) {
            if (transB && !transA) continue; // m ≤ 4 of x·Wᵀ is the dot path: its own order (tested below)
            const part = c.slice();
            const aOffset = transA ? i0 : i0 * k;
            v.backend!.gemm({ ...tall, m: rows, a, b, c: part, aOffset, cOffset: i0 * n });
            assertBitIdentical(part.subarray(i0 * n, (i0 + rows) * n), expected.subarray(i0 * n, (i0 + rows) * n),
              `rows ${i0}..${i0 + rows} of ${JSON.stringify(tall)}`);
          }
        }
      }
    });
  });
}

/** f32 arithmetic as plain SIMD does it: every product and every sum rounded to f32. */
const f = Math.fround;

/** The dot path's order for one element (kernels/gemm.c, dot1): lanes of p mod 4, (l0 + l2) + (l1 + l3), tail. */
function dotInOrder(x: Float32Array, y: Float32Array, k: number): number {
  const lanes = [0, 0, 0, 0];
  let p = 0;
  for (; p + 4 <= k; p += 4) for (let l = 0; l < 4; l++) lanes[l] = f(lanes[l] + f(x[p + l] * y[p + l]));
  let r = f(f(lanes[0] + lanes[2]) + f(lanes[1] + lanes[3]));
  for (; p < k; p++) r = f(r + f(x[p] * y[p]));
  return r;
}

describe("wasm gemm, the dot path (a few rows times a transposed B)", () => {
  it("sums each element in its documented order (plain SIMD, bit for bit)", () => {
    const r = rng(1500);
    for (const v of variants.filter((w) => !w.relaxed)) {
      // k below, at and past a lane multiple and across KC; n below, at and past a group of 4 and of 6, and split
      // over threads; m = 1 (one row), 2 and 4 (pairs), 3 (a pair and an odd row)
      for (const m of [1, 2, 3, 4]) for (const k of [1, 3, 4, 7, 64, 259]) for (const n of [1, 5, 6, 13, 301, 2100]) {
        for (const { alpha, beta } of [...SCALES, { alpha: 0.75, beta: 0.5 }]) {
          const lda = k + (m > 1 ? 3 : 0); // rows of A apart, to catch a kernel that assumes them contiguous
          const s: GemmShape = { m, n, k, transB: true, alpha, beta, lda };
          const { a, b, c } = gemmBuffers(s as GemmArgs, r);
          if (beta === 0) c.fill(NaN);
          const expected = new Float32Array(m * n);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
            const dot = dotInOrder(a.subarray(i * lda, i * lda + k), b.subarray(j * k, (j + 1) * k), k);
            expected[i * n + j] = beta === 0 ? f(alpha * dot) : f(f(alpha * dot) + f(beta * c[i * n + j]));
          }
          v.backend!.gemm({ ...s, a, b, c });
          assertBitIdentical(c.subarray(0, m * n), expected, `${v.label} ${JSON.stringify(s)}`);
        }
      }
    }
  });

  it("gives a column the same bits whichever columns are computed with it", () => {
    const r = rng(1600);
    for (const v of variants) for (const m of [1, 3, 4]) {
      const n = 301, k = 259;
      const s: GemmShape = { m, n, k, transB: true, beta: 1 };
      const { a, b, c } = gemmBuffers(s as GemmArgs, r);
      const whole = c.slice();
      v.backend!.gemm({ ...s, a, b, c: whole });
      // column ranges that start inside a group of 4 or 6 and end on odd columns
      for (const [j0, cols] of [[0, 1], [1, 7], [5, 13], [100, 201], [295, 6]]) {
        const part = c.slice();
        v.backend!.gemm({ ...s, n: cols, a, b, c: part, bOffset: j0 * k, cOffset: j0, ldc: n });
        for (let i = 0; i < m; i++) {
          assertBitIdentical(part.subarray(i * n + j0, i * n + j0 + cols), whole.subarray(i * n + j0, i * n + j0 + cols),
            `${v.label} m = ${m}, row ${i}, columns ${j0}..${j0 + cols}`);
        }
      }
    }
  });

  it("gives a row the same bits whichever rows are computed with it (beam search's four equal one row's)", () => {
    const r = rng(1700);
    for (const v of variants) for (const m of [2, 3, 4]) for (const [n, k] of [[301, 259], [8001, 256]]) {
      const s: GemmShape = { m, n, k, transB: true, beta: 1 };
      const { a, b, c } = gemmBuffers(s as GemmArgs, r);
      const whole = c.slice();
      v.backend!.gemm({ ...s, a, b, c: whole });
      for (let i = 0; i < m; i++) {
        const row = c.slice();
        v.backend!.gemm({ ...s, m: 1, a, b, c: row, aOffset: i * k, cOffset: i * n });
        assertBitIdentical(row.subarray(i * n, (i + 1) * n), whole.subarray(i * n, (i + 1) * n), `${v.label} m = ${m}, row ${i} of ${n} × ${k}`);
      }
    }
  });
});

describe("wasm gemm, small m: threads", () => {
  it("give the same bits as one thread when a product of a few rows is split by columns", () => {
    for (const relaxed of [true, false]) {
      const [one, two] = variants.filter((v) => v.relaxed === relaxed).map((v) => v.backend!);
      const r = rng(1400);
      // a decoder's feed-forward (1 × 300 × 1024: two column chunks) and output layer sizes, with a bias
      // and beam search's four rows
      for (const s of [{ m: 1, n: 300, k: 1024, transB: true, beta: 1 }, { m: 1, n: 8001, k: 256, transB: true },
        { m: 1, n: 1030, k: 300 }, { m: 4, n: 8001, k: 256, transB: true, beta: 1 }, { m: 3, n: 1030, k: 300, transB: true }] as GemmShape[]) {
        const { a, b, c } = gemmBuffers(s as GemmArgs, r);
        const c1 = c.slice(), c2 = c.slice();
        one.gemm({ ...s, a, b, c: c1 });
        two.gemm({ ...s, a, b, c: c2 });
        assertBitIdentical(c1, c2, `1 vs 2 threads ${JSON.stringify(s)}`);
        checkGemm(two, s, 1410);
      }
    }
  });
});
