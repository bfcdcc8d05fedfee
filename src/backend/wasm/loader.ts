/**
 * Picks and compiles the kernel module: the relaxed-SIMD build (f32x4.relaxed_madd) where the engine accepts it,
 * the plain-SIMD build otherwise. Both are embedded as base64 (binaries.ts), so neither Node nor a browser bundle
 * has to locate a .wasm file.
 */
import { isNode } from "../runtime.js";
import { KERNELS_RELAXED, KERNELS_SIMD } from "./binaries.js";

export interface LoadedKernels {
  module: WebAssembly.Module;
  relaxed: boolean;
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Node 20's V8 (11.3) has relaxed SIMD behind a flag. Setting it is process-wide and harmless when the feature
 * has shipped; browsers never get here.
 */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (!isNode()) return;
  try {
    const v8 = await import("node:v8");
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // no node:v8 (a bundler's shim): stay with what the engine validates
  }
}

/**
 * `relaxed`: undefined picks the best the engine supports; true demands relaxed SIMD (throws where missing);
 * false takes plain SIMD.
 */
export async function loadKernels(relaxed?: boolean): Promise<LoadedKernels> {
  if (relaxed !== false) {
    const bytes = decodeBase64(KERNELS_RELAXED);
    let ok = WebAssembly.validate(bytes);
    if (!ok) {
      await enableRelaxedSimdInNode();
      ok = WebAssembly.validate(bytes);
    }
    if (ok) return { module: await WebAssembly.compile(bytes), relaxed: true };
    if (relaxed === true) {
      throw new Error("wasm backend: this engine does not support relaxed SIMD (f32x4.relaxed_madd); pass relaxed: false");
    }
  }
  const bytes = decodeBase64(KERNELS_SIMD);
  if (!WebAssembly.validate(bytes)) {
    throw new Error("wasm backend: this engine lacks WebAssembly SIMD, threads or bulk memory; use the js backend");
  }
  return { module: await WebAssembly.compile(bytes), relaxed: false };
}

/** One instance of the kernels on the shared memory (one per thread). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}

/** The kernel module's exports (kernels/*.c). Pointers are byte addresses in the shared memory. */
export interface KernelExports {
  __heap_base: WebAssembly.Global;
  gemm_run(params: number, b0: number, b1: number, i0: number, i1: number, j0: number, j1: number,
    packA: number, packB: number, tmp: number): void;
  gemm_chunks(params: number, packA: number, packB: number, tmp: number): void;
  gemm_chunk(params: number, chunk: number, packA: number, packB: number, tmp: number): void;
  gemm_pack_b_shared(params: number): void;
  gemm_pack_b_tasks(params: number): number;
  gemm_pack_a_floats(): number;
  gemm_pack_b_floats(): number;
  gemm_tile_floats(): number;
  gemm_mr(): number;
  gemm_nr(): number;
  gemm_kc(): number;
  [name: string]: unknown;
}
