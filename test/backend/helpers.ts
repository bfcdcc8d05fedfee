import assert from "node:assert/strict";
import { after, before } from "node:test";
import { type Backend, type GemmArgs, resolveGemm } from "../../src/backend/backend.js";
import { jsBackend } from "../../src/backend/js/index.js";
import { createNativeBackend, loadAddon } from "../../src/backend/native/index.js";
import { createWasmBackend, type WasmBackend } from "../../src/backend/wasm/index.js";
import { Rng } from "../../src/tensor/random.js";

/** float32's unit roundoff, 2^-24: the relative error of one correctly rounded float32 operation. */
export const U32 = 2 ** -24;

/** Uniform numbers in [0, 1) from a seed, so every test sees the same numbers on every run. */
export function rng(seed: number): () => number {
  const g = new Rng(seed, "mulberry32"); // the stream these tests were written against
  return () => g.uniform();
}

/** Runs `f` with TRANSFORMER_THREADS set to `value` (unset for undefined), restoring it afterwards. */
export async function withThreadsEnv<T>(value: string | undefined, f: () => Promise<T>): Promise<T> {
  const saved = process.env.TRANSFORMER_THREADS;
  if (value === undefined) delete process.env.TRANSFORMER_THREADS;
  else process.env.TRANSFORMER_THREADS = value;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.TRANSFORMER_THREADS;
    else process.env.TRANSFORMER_THREADS = saved;
  }
}

/** A fast backend gets its threads by backend/threads.ts's rule: TRANSFORMER_THREADS when not given, bad values refused. */
export async function checkThreadsRule(create: (opts?: { threads?: number }) => Promise<{ threads: number; dispose(): Promise<void> }>): Promise<void> {
  await withThreadsEnv("1", async () => {
    const be = await create();
    assert.equal(be.threads, 1);
    await be.dispose();
  });
  await withThreadsEnv("zero", () => assert.rejects(create(), /TRANSFORMER_THREADS="zero": expected a whole number ≥ 1/));
  await assert.rejects(create({ threads: 0 }), /: threads=0: expected a whole number ≥ 1/);
}

export function uniform(r: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/**
 * Asserts |actual − expected| ≤ tol(i) elementwise, naming the first index that fails; NaN must meet NaN.
 * tol gets the index and the expected value.
 */
export function assertClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, tol: (i: number, expected: number) => number, what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(e) && Number.isNaN(a), `${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    if (a === e) continue; // infinities included
    const t = tol(i, e);
    if (!(Math.abs(a - e) <= t)) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > tolerance ${t})`);
    }
  }
}

/** Mixed tolerance: rel·|expected| + abs. */
export const relAbs = (rel: number, abs: number) => (_i: number, e: number): number => rel * Math.abs(e) + abs;

export function assertBitIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}[${i}]: ${a[i]} and ${b[i]} differ in their bits`);
  }
}

/** A backend in each configuration the tests cover; created before the file's tests, disposed after. */
export interface WasmVariant {
  label: string;
  /** Variants of one family compute the same bits for any thread count. */
  family: string;
  relaxed: boolean;
  threads: number;
  backend?: WasmBackend;
}

export function wasmVariants(): WasmVariant[] {
  const variants: WasmVariant[] = [
    { label: "relaxed, 1 thread", family: "wasm relaxed", relaxed: true, threads: 1 },
    { label: "relaxed, 2 threads", family: "wasm relaxed", relaxed: true, threads: 2 },
    { label: "plain SIMD, 1 thread", family: "wasm plain", relaxed: false, threads: 1 },
    { label: "plain SIMD, 2 threads", family: "wasm plain", relaxed: false, threads: 2 },
  ];
  before(async () => {
    for (const v of variants) v.backend = await createWasmBackend({ relaxed: v.relaxed, threads: v.threads });
  });
  after(async () => {
    for (const v of variants) await v.backend?.dispose();
  });
  return variants;
}

export interface KernelVariant {
  label: string;
  family: string;
  threads: number;
  backend?: Backend & { dispose(): Promise<void> };
}

/** Why the native addon does not load here, or undefined when it does. */
export function nativeUnavailable(): string | undefined {
  try {
    loadAddon();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The wasm variants, plus the native backend on 1 and 2 threads where its addon loads. */
export function kernelVariants(): KernelVariant[] {
  const variants: KernelVariant[] = wasmVariants(); // the same objects: their backends are set in before()
  for (const v of variants) v.label = `wasm ${v.label}`;
  if (nativeUnavailable() !== undefined) return variants;
  const native: KernelVariant[] = [
    { label: "native, 1 thread", family: "native", threads: 1 },
    { label: "native, 2 threads", family: "native", threads: 2 },
  ];
  before(async () => {
    for (const v of native) v.backend = await createNativeBackend({ threads: v.threads });
  });
  after(async () => {
    for (const v of native) await v.backend?.dispose();
  });
  return [...variants, ...native];
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

/**
 * Runs the GEMM on a fast backend and on the reference from the same C, and checks every element against
 * γ·(|α|·Σ_p |a_ip·b_pj| + |β·c_ij|) with γ = (k + 4)·u (wasm-gemm.test.ts explains the bound); elements the call
 * must not touch have to come back unchanged. Returns the backend's C.
 */
export function checkGemm(be: Backend & { threads: number }, shape: GemmShape, seed: number, fillC?: number): Float32Array {
  const r = rng(seed);
  const { a, b, c } = gemmBuffers(shape as GemmArgs, r);
  if (fillC !== undefined) c.fill(fillC);
  const expected = c.slice();
  jsBackend.gemm({ ...shape, a, b, c: expected });
  const actual = c.slice();
  be.gemm({ ...shape, a, b, c: actual });
  // Σ|a||b| per element via the reference on absolute values; −1 marks elements the GEMM must leave alone
  const bound = new Float32Array(c.length).fill(-1);
  const alpha = Math.abs(shape.alpha ?? 1);
  const beta = shape.beta ?? 0;
  jsBackend.gemm({ ...shape, a: a.map(Math.abs), b: b.map(Math.abs), c: bound, alpha, beta: 0 });
  const gamma = (shape.k + 4) * U32;
  const cAbs = beta === 0 ? null : c.map(Math.abs);
  assertClose(actual, expected,
    (i) => (bound[i] < 0 ? 0 : gamma * (bound[i] + (cAbs ? Math.abs(beta) * cAbs[i] : 0))),
    `${be.name}/${be.threads} gemm ${JSON.stringify(shape)}`);
  return actual;
}
