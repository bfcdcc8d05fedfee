/**
 * The kernel tests' numbers and comparisons, with no Node import: test/web/webgpu-kernels.test.ts loads this file
 * (compiled, as an ES module) into Chromium, so the browser runs the same cases with the same checks as Node.
 * Failures throw a plain Error naming what differs; node:test reports it as it would an AssertionError.
 */
import { type GemmArgs, resolveGemm } from "../../src/backend/backend.js";
import { Rng } from "../../src/tensor/random.js";

/** float32's unit roundoff, 2^-24: the relative error of one correctly rounded float32 operation. */
export const U32 = 2 ** -24;

/** Uniform numbers in [0, 1) from a seed, so every test sees the same numbers on every run. */
export function rng(seed: number): () => number {
  const g = new Rng(seed, "mulberry32"); // the stream these tests were written against
  return () => g.uniform();
}

export function uniform(r: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function fail(message: string): never {
  throw new Error(message);
}

/** Strict equality (Object.is, so NaN meets NaN and 0 is not −0), naming both values. */
export function checkEqual(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) fail(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}

export function checkOk(value: unknown, what: string): void {
  if (!value) fail(what);
}

/** Two integer arrays (masks, ids) equal element for element. */
export function checkSameInts(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  checkEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** `p` must reject with a message matching `pattern`. */
export async function checkRejects(p: Promise<unknown>, pattern: RegExp, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    const message = (e as Error).message;
    if (!pattern.test(message)) fail(`${what}: rejected with "${message}", expected ${pattern}`);
    return;
  }
  fail(`${what}: resolved, expected a rejection matching ${pattern}`);
}

/**
 * Asserts |actual − expected| ≤ tol(i) elementwise, naming the first index that fails; NaN must meet NaN.
 * tol gets the index and the expected value.
 */
export function assertClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, tol: (i: number, expected: number) => number, what: string,
): void {
  checkEqual(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      checkOk(Number.isNaN(e) && Number.isNaN(a), `${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    if (a === e) continue; // infinities included
    const t = tol(i, e);
    if (!(Math.abs(a - e) <= t)) {
      fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > tolerance ${t})`);
    }
  }
}

/** Mixed tolerance: rel·|expected| + abs. */
export const relAbs = (rel: number, abs: number) => (_i: number, e: number): number => rel * Math.abs(e) + abs;

export function assertBitIdentical(a: Float32Array, b: Float32Array, what: string): void {
  checkEqual(a.length, b.length, `${what}: lengths differ`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) fail(`${what}[${i}]: ${a[i]} and ${b[i]} differ in their bits`);
  }
}

/** Buffers big enough for every batch of a GEMM (with its offsets, strides and leading dimensions). */
export function gemmBuffers(g: GemmArgs, r: () => number): { a: Float32Array; b: Float32Array; c: Float32Array } {
  const x = resolveGemm({ ...g, a: new Float32Array(0), b: new Float32Array(0), c: new Float32Array(0) });
  const span = (off: number, stride: number, rows: number, ld: number): number =>
    off + Math.max(0, (x.batch - 1) * stride) + rows * ld + 1;
  return {
    a: uniform(r, span(x.aOffset, x.strideA, x.transA ? x.k : x.m, x.lda)),
    b: uniform(r, span(x.bOffset, x.strideB, x.transB ? x.n : x.k, x.ldb)),
    c: uniform(r, span(x.cOffset, x.strideC, x.m, x.ldc)),
  };
}

/** A GEMM's sizes, flags, offsets and strides, without its arrays. */
export type GemmShape = Omit<GemmArgs, "a" | "b" | "c">;

/** Batched GEMMs with offsets, leading dimensions and strides, for every fast backend. */
export const BATCHED_GEMM_SHAPES: readonly GemmShape[] = [
  { m: 5, n: 7, k: 9, batch: 3, aOffset: 13, bOffset: 17, cOffset: 19, lda: 12, ldb: 9, ldc: 12,
    strideA: 5 * 12 + 11, strideB: 9 * 9 + 3, strideC: 5 * 12 + 7, alpha: 0.75, beta: 0.5 },
  { m: 6, n: 10, k: 4, batch: 4, transA: true, transB: true, lda: 8, ldb: 5, ldc: 11,
    strideA: 4 * 8, strideB: 10 * 5 + 1, strideC: 6 * 11 },
  // A broadcast over the batch (stride 0)
  { m: 33, n: 65, k: 70, batch: 5, strideA: 0 },
  // per-head products written side by side into (T, h·dK): the attention output layout, split by batch
  { m: 64, n: 32, k: 128, batch: 4, transB: true, ldc: 128, strideC: 32 },
  // many small batches split over threads
  { m: 17, n: 17, k: 64, batch: 70, transB: true, alpha: 0.125 },
];
