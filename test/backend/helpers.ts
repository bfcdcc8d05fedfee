import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { Backend, GemmArgs } from "../../src/backend/backend.js";
import { jsBackend } from "../../src/backend/js/index.js";
import { createNativeBackend, loadAddon } from "../../src/backend/native/index.js";
import { createWasmBackend, type WasmBackend } from "../../src/backend/wasm/index.js";
import { assertClose, gemmBuffers, rng, U32, type GemmShape } from "./checks.js";

// the numbers and comparisons live in checks.ts (no Node imports: the browser's kernel tests load it too)
export { assertBitIdentical, assertClose, BATCHED_GEMM_SHAPES, gemmBuffers, relAbs, rng, U32, uniform, type GemmShape } from "./checks.js";

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
