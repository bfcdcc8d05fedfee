/**
 * The tensor layer's kernels (add, addTiled, tile, scale, fill, copyStrided, argmaxRows, logSoftmax, tanh,
 * maskedMeanPool): the reference against hand-computed values and against the code they replace
 * (src/tensor/argmax.ts; decoding's rowLogSumExp and `-= lse`), then wasm and native against the reference. wasm and native run the reference's loops for all but
 * logSoftmax, so those must match bit for bit; logSoftmax goes through each backend's crossEntropy, so it must
 * match that backend's decoding arithmetic bit for bit and the reference within the crossEntropy tests' bound.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Backend, CopyStridedArgs } from "../../src/backend/backend.js";
import { backend as currentBackend, setBackend } from "../../src/backend/index.js";
import { jsBackend as ref } from "../../src/backend/js/index.js";
import { rowLogSumExp } from "../../src/generate/logits-processors.js";
import { argmax } from "../../src/tensor/argmax.js";
import { copyCases, naiveCopy } from "./copy-cases.js";
import { assertBitIdentical, assertClose, kernelVariants, nativeUnavailable, rng, U32, uniform } from "./helpers.js";

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

/** Decoding's log-probabilities today (src/generate/beam.ts): rowLogSumExp on the current backend, then `-= lse`. */
function decodingLogProbs(be: Backend, x: Float32Array, rows: number, cols: number): Float32Array {
  const saved = currentBackend();
  setBackend(be);
  try {
    const out = x.slice(0, rows * cols);
    const lse = rowLogSumExp(out, rows, cols);
    for (let r = 0; r < rows; r++) for (let j = r * cols; j < (r + 1) * cols; j++) out[j] -= lse[r];
    return out;
  } finally {
    setBackend(saved);
  }
}

describe("tensor-layer kernels: the reference", () => {
  it("add: one correctly rounded float32 addition, out may be a or b", () => {
    // 1 + 1.5·2^-23 is halfway between 1 + 2^-23 and 1 + 2^-22: ties to even, 1 + 2^-22
    const a = f32([1, 2.5, -3, 1, 3e38]), b = f32([0.5, -2.5, 1e-8, 3 * 2 ** -24, 3e38]);
    const out = new Float32Array(6).fill(7);
    ref.add(a, b, out, 5);
    assert.deepEqual([...out], [1.5, 0, -3, 1 + 2 ** -22, Infinity, 7]);
    const a2 = a.slice();
    ref.add(a2, b, a2, 5);
    assertBitIdentical(a2, out.subarray(0, 5), "add in place over a");
    const b2 = b.slice();
    ref.add(a, b2, b2, 5);
    assertBitIdentical(b2, out.subarray(0, 5), "add in place over b");
  });

  it("addTiled and tile: a period that does not divide n, and one longer than n", () => {
    const x = f32([1, 2, 3, 4, 5, 6, 7]), t = f32([10, 20, 30]);
    const out = new Float32Array(7);
    ref.addTiled(x, t, out, 7, 3);
    assert.deepEqual([...out], [11, 22, 33, 14, 25, 36, 17]);
    ref.addTiled(x, t, x, 7, 3); // out may be x
    assert.deepEqual([...x], [11, 22, 33, 14, 25, 36, 17]);
    const tiled = new Float32Array(8).fill(-1);
    ref.tile(t, 3, tiled, 7);
    assert.deepEqual([...tiled], [10, 20, 30, 10, 20, 30, 10, -1]);
    ref.tile(t, 3, tiled, 2);
    assert.deepEqual([...tiled.subarray(0, 3)], [10, 20, 30]);
  });

  it("tile with rows of 64 or more (copied a row at a time): a partial last row, a src longer than the period, n below the period", () => {
    for (const [period, srcLen, n] of [[64, 64, 64 * 3], [100, 130, 250], [100, 100, 60], [64, 64, 65]]) {
      const src = f32(Array.from({ length: srcLen }, (_, i) => i + 0.5));
      const out = new Float32Array(n + 1).fill(-1);
      ref.tile(src, period, out, n);
      const want = Array.from({ length: n }, (_, i) => (i % period) + 0.5);
      assert.deepEqual([...out], [...want, -1], `period ${period}, src ${srcLen}, n ${n}`);
    }
  });

  it("scale: x·s rounded once from float64, not x·fround(s)", () => {
    const s = Math.sqrt(512);
    // a float x for which rounding s to float32 first gives another product: the contract is the former
    let x = 1;
    while (Math.fround(x * s) === Math.fround(x * Math.fround(s))) x = Math.fround(x + 1 / 64);
    const xs = f32([x, 1, -3, 0]);
    const out = new Float32Array(4);
    ref.scale(xs, s, out, 4);
    assert.deepEqual([...out], [Math.fround(x * s), Math.fround(s), Math.fround(-3 * s), 0]);
    assert.notEqual(out[0], Math.fround(x * Math.fround(s)));
    ref.scale(xs, s, xs, 4);
    assertBitIdentical(xs, out, "scale in place");
  });

  it("fill: the value rounded to float32, n elements only", () => {
    const out = new Float32Array(5).fill(9);
    ref.fill(out, 0.1, 3);
    assert.deepEqual([...out], [0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 9, 9]);
    ref.fill(out, -0, 1);
    assert.ok(Object.is(out[0], -0));
  });

  it("copyStrided: a transpose by hand, and the tensor layer's copies against a naive loop", () => {
    const dst = new Float32Array(6);
    ref.copyStrided({ src: f32([0, 1, 2, 3, 4, 5]), srcOffset: 0, dst, dstOffset: 0, sizes: [3, 2], srcStrides: [1, 3], dstStrides: [2, 1] });
    assert.deepEqual([...dst], [0, 3, 1, 4, 2, 5]);
    let seed = 1;
    for (const c of copyCases()) {
      const src = uniform(rng(seed++), c.srcLen), start = uniform(rng(seed++), c.dstLen);
      const expected = start.slice(), got = start.slice();
      naiveCopy({ ...c.args, src, dst: expected });
      ref.copyStrided({ ...c.args, src, dst: got });
      assertBitIdentical(got, expected, c.what);
    }
  });

  it("copyStrided refuses bad shapes, indices outside either array, overlap and double writes, in one line", () => {
    const src = new Float32Array(12), dst = new Float32Array(12);
    const base = { src, srcOffset: 0, dst, dstOffset: 0 };
    const bad: Array<[Partial<CopyStridedArgs>, RegExp]> = [
      [{ sizes: [], srcStrides: [], dstStrides: [] }, /^copyStrided: 0 dimensions, expected 1 to 4$/],
      [{ sizes: [1, 1, 1, 1, 1], srcStrides: [1, 1, 1, 1, 1], dstStrides: [1, 1, 1, 1, 1] }, /5 dimensions, expected 1 to 4/],
      [{ sizes: [3, 4], srcStrides: [4], dstStrides: [4, 1] }, /2 sizes but 1 srcStrides and 2 dstStrides/],
      [{ sizes: [3, 4], srcStrides: [4, 1], dstStrides: [5, 1] }, /writes dst\[13\], but dst has 12 elements/],
      [{ sizes: [3, 4], srcStrides: [4, 1], dstStrides: [4, 1], srcOffset: 1 }, /reads src\[12\], but src has 12 elements/],
      [{ sizes: [3, 4], srcStrides: [4, -1], dstStrides: [4, 1] }, /srcStrides\[1\] must be a whole number ≥ 0, got -1/],
      [{ sizes: [2.5], srcStrides: [1], dstStrides: [1] }, /sizes\[0\] must be a whole number ≥ 0, got 2.5/],
      [{ sizes: [3, 4], srcStrides: [4, 1], dstStrides: [0, 1] }, /write some element of dst twice/],
      [{ sizes: [3, 4], srcStrides: [4, 1], dstStrides: [2, 1] }, /write some element of dst twice/],
      [{ sizes: [4], srcStrides: [1], dstStrides: [1], dst: src, dstOffset: 3 }, /src and dst overlap/],
      [{ sizes: [4], srcStrides: [1], dstStrides: [1], src: src.subarray(2), dst: src.subarray(0, 6) }, /src and dst overlap/],
    ];
    for (const [args, pattern] of bad) {
      assert.throws(() => ref.copyStrided({ ...base, sizes: [1], srcStrides: [1], dstStrides: [1], ...args }), (e: Error) => {
        assert.ok(e instanceof RangeError, `${e.message}: a RangeError`);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      });
    }
    // views of one buffer that do not overlap are fine (concatenation into a neighbouring block)
    const whole = Float32Array.from({ length: 12 }, (_, i) => i);
    ref.copyStrided({ src: whole.subarray(0, 4), srcOffset: 0, dst: whole.subarray(4), dstOffset: 0, sizes: [4], srcStrides: [1], dstStrides: [1] });
    assert.deepEqual([...whole], [0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11]);
  });

  it("argmaxRows: ties, NaN, −0 and subnormals as src/tensor/argmax.ts", () => {
    const rows = [
      [1, 3, 3, 2], [NaN, 5, 7], [1, NaN, 0.5], [0.5, NaN, 1], [-0, 0], [0, -0], [-Infinity, -Infinity],
      [-Infinity, -1e38], [1e-45, 0], [0, 1e-45], [NaN, NaN], [4], [-2, NaN, NaN, -1],
    ];
    const hand = [1, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0, 0, 3];
    for (let r = 0; r < rows.length; r++) {
      const x = f32(rows[r]), out = new Int32Array(1).fill(-7);
      ref.argmaxRows(x, 1, x.length, out);
      assert.equal(out[0], hand[r], `row ${JSON.stringify(rows[r])}`);
      assert.equal(out[0], argmax(x), `row ${JSON.stringify(rows[r])} as argmax.ts`);
    }
    // many rows with repeated values (ties) and NaNs sprinkled in, against argmax.ts row by row
    const R = 37, C = 29, r = rng(9);
    const x = Float32Array.from({ length: R * C }, () => (r() < 0.1 ? NaN : Math.floor(r() * 6)));
    const out = new Int32Array(R);
    ref.argmaxRows(x, R, C, out);
    for (let i = 0; i < R; i++) assert.equal(out[i], argmax(x, i * C, (i + 1) * C), `row ${i}`);
    assert.throws(() => ref.argmaxRows(new Float32Array(0), 2, 0, out), /^RangeError: argmaxRows: cols must be ≥ 1/);
    assert.throws(() => ref.argmaxRows(x, R, C, new Int32Array(3)), /argmaxRows: out has 3 elements, needs 37/);
  });

  it("logSoftmax: by hand, and bit for bit decoding's rowLogSumExp then `-= lse`", () => {
    const out = new Float32Array(4);
    ref.logSoftmax(f32([0, 0]), out, 1, 2);
    assert.deepEqual([...out.subarray(0, 2)], [-Math.fround(Math.LN2), -Math.fround(Math.LN2)]);
    // lse = 1e4 + log 2 = 10000.6931…, to float32 (steps of 2^-10 there) 10000.693359375
    ref.logSoftmax(f32([1e4, 1e4, -1e4, -Infinity]), out, 1, 4);
    assert.deepEqual([...out], [-0.693359375, -0.693359375, -20000.693359375, -Infinity]);
    // 1, 2, 3: lse = 3 + log(1 + e^-1 + e^-2) = 3.40760596444438
    ref.logSoftmax(f32([1, 2, 3]), out, 1, 3);
    const lse = Math.fround(3.40760596444438);
    assert.deepEqual([...out.subarray(0, 3)], [Math.fround(1 - lse), Math.fround(2 - lse), Math.fround(3 - lse)]);
    let seed = 20;
    for (const [rows, cols] of [[1, 1], [3, 17], [5, 1001], [2, 50_000]]) {
      const x = uniform(rng(seed++), rows * cols, -30, 30);
      x[0] = -Infinity; // a masked token
      const got = new Float32Array(rows * cols);
      ref.logSoftmax(x, got, rows, cols);
      assertBitIdentical(got, decodingLogProbs(ref, x, rows, cols), `logSoftmax ${rows}×${cols} against decoding`);
      const y = x.slice();
      ref.logSoftmax(y, y, rows, cols);
      assertBitIdentical(y, got, "logSoftmax in place");
    }
  });

  it("tanh: float64 tanh rounded once (within an ulp of (e²ˣ − 1)/(e²ˣ + 1)); tanhBackward: dy·(1 − y²) from y", () => {
    const x = f32([0, -0, 0.5, -2, 20, -20, 1e-30, NaN, 3.75]);
    const out = new Float32Array(x.length);
    ref.tanh(x, out, x.length);
    assert.ok(Object.is(out[0], 0) && Object.is(out[1], -0), "±0 keep their sign");
    assert.deepEqual([...out.subarray(4, 7)], [1, -1, Math.fround(1e-30)]);
    assert.ok(Number.isNaN(out[7]));
    for (const i of [2, 3, 8]) {
      const e2x = Math.exp(2 * x[i]);
      const exact = (e2x - 1) / (e2x + 1);
      assert.ok(Math.abs(out[i] - exact) <= 2 ** -24 * Math.abs(exact), `tanh(${x[i]}) = ${out[i]}, not ${exact}`);
    }
    // y = 0.5 → 0.75·dy; y = −0.25 → 0.9375·dy; y = ±1 → 0: all exact in float32
    const y = f32([0.5, -0.25, 1, -1, 0]), dy = f32([2, 2, 5, -5, -3]), dx = new Float32Array(5).fill(NaN);
    ref.tanhBackward(y, dy, dx, 5);
    assert.deepEqual([...dx], [1.5, 1.875, 0, -0, -3]);
    ref.tanhBackward(y, dy, dy, 5); // dx may be dy
    assertBitIdentical(dy, dx, "tanhBackward in place");
    assert.throws(() => ref.tanhBackward(y, dy, new Float32Array(2), 5), /^RangeError: tanhBackward: dx has 2 elements, needs 5$/);
  });

  it("maskedMeanPool: float32 sums over the positions not padded, in order; all padding gives zeros; the backward by hand", () => {
    // (B 3, T 3, d 2); sentence 0: position 2 padded; sentence 1: none; sentence 2: all
    const x = f32([1, 2, 3, 4, 100, 100, 1e8, 5, 1, 6, -1e8, 7, 9, 9, 9, 9, 9, 9]);
    const pad = Uint8Array.from([0, 0, 1, 0, 0, 0, 1, 1, 1]);
    const out = new Float32Array(6).fill(NaN);
    ref.maskedMeanPool(x, pad, out, 3, 3, 2);
    // column 0 of sentence 1: in float32 1e8 + 1 is 1e8 (the spacing there is 8), so the sum is 0, not 1
    assert.deepEqual([...out], [2, 3, 0, 6, 0, 0]);
    ref.maskedMeanPool(x, null, out, 3, 3, 2); // no mask: every position
    assert.deepEqual([...out], [Math.fround(104 / 3), Math.fround(106 / 3), 0, 6, 9, 9]);
    const dOut = f32([3, -6, 1.5, 3, 7, 7]);
    const dx = new Float32Array(18).fill(1);
    ref.maskedMeanPoolBackward(dOut, pad, dx, 3, 3, 2);
    // sentence 0: dOut/2 at positions 0 and 1; sentence 1: dOut/3 everywhere; sentence 2 and pad positions: as they were
    assert.deepEqual([...dx], [2.5, -2, 2.5, -2, 1, 1, 1.5, 2, 1.5, 2, 1.5, 2, 1, 1, 1, 1, 1, 1]);
    assert.throws(() => ref.maskedMeanPool(x, pad.subarray(0, 8), out, 3, 3, 2), /^RangeError: maskedMeanPool: keyPad has 8 elements, needs 9$/);
    assert.throws(() => ref.maskedMeanPool(x, pad, out, 3, 3.5, 2), /maskedMeanPool: T must be a whole number ≥ 0, got 3.5/);
    assert.throws(() => ref.maskedMeanPoolBackward(dOut, null, dx, 3, 4, 2), /maskedMeanPoolBackward: dx has 18 elements, needs 24/);
  });

  it("every kernel refuses short arrays and bad counts, naming the argument", () => {
    const a = new Float32Array(3), b = new Float32Array(2);
    assert.throws(() => ref.add(a, b, a, 3), /^RangeError: add: b has 2 elements, needs 3$/);
    assert.throws(() => ref.add(a, a, a, -1), /add: n must be a whole number ≥ 0, got -1/);
    assert.throws(() => ref.addTiled(a, b, a, 3, 0), /addTiled: period must be ≥ 1, got 0/);
    assert.throws(() => ref.addTiled(a, b, a, 3, 3), /addTiled: tile has 2 elements, needs the period 3/);
    assert.throws(() => ref.tile(b, 2, a, 4), /tile: out has 3 elements, needs 4/);
    assert.throws(() => ref.scale(a, 2, b, 3), /scale: out has 2 elements, needs 3/);
    assert.throws(() => ref.fill(b, 0, 2.5), /fill: n must be a whole number ≥ 0, got 2.5/);
    assert.throws(() => ref.logSoftmax(a, a, 2, 2), /logSoftmax: x has 3 elements, needs 4/);
  });
});

/** Inputs for comparing a fast backend with the reference: n not a multiple of 4, and more than 2^15 elements. */
const lengths = [1, 3, 17, 1003, 40_001];

function checkAgainstReference(be: Backend): void {
  let seed = 100;
  for (const n of lengths) {
    const r = rng(seed++);
    const a = uniform(r, n, -5, 5), b = uniform(r, n, -5, 5), t = uniform(r, 7);
    const run = (f: (k: Backend, out: Float32Array) => void, what: string): void => {
      const e = new Float32Array(n).fill(NaN), g = new Float32Array(n).fill(NaN);
      f(ref, e);
      f(be, g);
      assertBitIdentical(g, e, `${what} n ${n}`);
    };
    run((k, out) => k.add(a, b, out, n), "add");
    run((k, out) => k.addTiled(a, t, out, n, 7), "addTiled");
    run((k, out) => k.tile(t, 7, out, n), "tile");
    run((k, out) => k.scale(a, Math.sqrt(512), out, n), "scale");
    run((k, out) => k.fill(out, 1 / 3, n), "fill");
    run((k, out) => k.tanh(a, out, n), "tanh");
    const y = uniform(r, n, -1, 1); // a tanh's outputs
    run((k, out) => k.tanhBackward(y, b, out, n), "tanhBackward");
  }
  for (const [B, T, d] of [[1, 1, 1], [3, 5, 17], [4, 33, 65]]) {
    const r = rng(seed++);
    const x = uniform(r, B * T * d, -3, 3), dOut = uniform(r, B * d), dx0 = uniform(r, B * T * d);
    const pad = Uint8Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) === B - 1 && B > 1 ? 1 : +(r() < 0.3)));
    for (const keyPad of [pad, null]) {
      const e = new Float32Array(B * d), g = new Float32Array(B * d).fill(NaN);
      ref.maskedMeanPool(x, keyPad, e, B, T, d);
      be.maskedMeanPool(x, keyPad, g, B, T, d);
      assertBitIdentical(g, e, `maskedMeanPool ${[B, T, d]}`);
      const de = dx0.slice(), dg = dx0.slice();
      ref.maskedMeanPoolBackward(dOut, keyPad, de, B, T, d);
      be.maskedMeanPoolBackward(dOut, keyPad, dg, B, T, d);
      assertBitIdentical(dg, de, `maskedMeanPoolBackward ${[B, T, d]}`);
    }
  }
  for (const c of copyCases()) {
    const src = uniform(rng(seed++), c.srcLen), start = uniform(rng(seed++), c.dstLen);
    const e = start.slice(), g = start.slice();
    ref.copyStrided({ ...c.args, src, dst: e });
    be.copyStrided({ ...c.args, src, dst: g });
    assertBitIdentical(g, e, `copyStrided ${c.what}`);
  }
  const x = Float32Array.from({ length: 13 * 31 }, (_, i) => (i % 11 === 5 ? NaN : (i * 7) % 5));
  const e = new Int32Array(13), g = new Int32Array(13);
  ref.argmaxRows(x, 13, 31, e);
  be.argmaxRows(x, 13, 31, g);
  assert.deepEqual([...g], [...e], "argmaxRows");
}

function checkLogSoftmax(be: Backend): void {
  let seed = 200;
  for (const [rows, cols] of [[1, 1], [3, 17], [5, 1001], [4, 32_000]]) {
    const x = uniform(rng(seed++), rows * cols, -20, 20);
    x[1 % x.length] = -Infinity;
    const e = new Float32Array(x.length), g = new Float32Array(x.length);
    ref.logSoftmax(x, e, rows, cols);
    be.logSoftmax(x, g, rows, cols);
    assertBitIdentical(g, decodingLogProbs(be, x, rows, cols), `${be.name} logSoftmax ${rows}×${cols}: the bits decoding gets on it`);
    // lse: Σ exp over cols in float32 (cols·u relative, so absolute on the log), then two float32 roundings
    const lse = (i: number): number => x[i] - e[i];
    assertClose(g, e, (i) => (cols + 16) * U32 + 2 * U32 * (Math.abs(x[i]) + Math.abs(lse(i))), `${be.name} logSoftmax ${rows}×${cols}`);
  }
}

for (const v of kernelVariants()) {
  describe(`tensor-layer kernels (${v.label}) against the reference`, () => {
    it("add, addTiled, tile, scale, fill, tanh, maskedMeanPool, copyStrided, argmaxRows: the reference's bits", () => checkAgainstReference(v.backend!));
    it("logSoftmax: within the crossEntropy bound of the reference, and decoding's bits on this backend", () => checkLogSoftmax(v.backend!));
  });
}

const noNative = nativeUnavailable();
if (noNative !== undefined) describe("tensor-layer kernels (native)", { skip: `native backend unavailable: ${noNative}` }, () => {});
