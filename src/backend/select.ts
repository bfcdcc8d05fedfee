import { OptionError } from "../errors.js";
import type { Backend } from "./backend.js";
import { jsBackend, setBackend } from "./index.js";

export type BackendName = "js" | "wasm" | "native" | "webgpu" | "js-device";
export const BACKEND_NAMES: readonly BackendName[] = ["js", "wasm", "native", "webgpu", "js-device"];

async function load(name: BackendName, threads?: number): Promise<Backend> {
  switch (name) {
    case "js":
      return jsBackend;
    case "wasm": {
      const { createWasmBackend } = await import("./wasm/index.js");
      return createWasmBackend({ threads });
    }
    case "native": {
      const { createNativeBackend } = await import("./native/index.js");
      return createNativeBackend({ threads });
    }
    case "webgpu": {
      const { createWebGpuBackend } = await import("./webgpu/backend.js");
      return createWebGpuBackend();
    }
    case "js-device": {
      // the reference kernels behind the GPU's residency protocol, with its coherence checks: a test tool
      const { createEmulatedBackend } = await import("./device/emulated.js");
      return createEmulatedBackend();
    }
  }
}

/**
 * Picks the backend every op runs on: `name` (or env TRANSFORMER_BACKEND) when given, which must load; otherwise
 * WebGPU on a hardware adapter (never a software one such as SwiftShader; src/backend/webgpu/auto.ts), else the
 * fastest CPU backend that loads here (native, then wasm, falling back to the plain-TypeScript reference). A thread
 * count (`threads`, TRANSFORMER_THREADS) is a setting of the CPU kernels, so with one the choice starts at native.
 * Returns the backend set.
 */
export async function useBackend(name: string | undefined = process.env.TRANSFORMER_BACKEND || undefined, threads?: number): Promise<Backend> {
  if (name !== undefined) {
    if (!BACKEND_NAMES.includes(name as BackendName)) {
      throw new OptionError(`unknown backend "${name}" (TRANSFORMER_BACKEND): expected one of ${BACKEND_NAMES.join(", ")}`);
    }
    const b = await load(name as BackendName, threads);
    setBackend(b);
    return b;
  }
  const threadsAsked = threads !== undefined || (process.env.TRANSFORMER_THREADS ?? "") !== "";
  if (!threadsAsked) {
    const { hardwareWebGpuBackend } = await import("./webgpu/auto.js");
    const gpu = await hardwareWebGpuBackend();
    if (gpu) {
      setBackend(gpu);
      return gpu;
    }
  }
  return useCpuBackend(threads);
}

/** The fastest CPU backend that loads here (native, then wasm, else the plain-TypeScript reference), whatever TRANSFORMER_BACKEND says. */
export async function useCpuBackend(threads?: number): Promise<Backend> {
  for (const candidate of ["native", "wasm", "js"] as const) {
    try {
      const b = await load(candidate, threads);
      setBackend(b);
      return b;
    } catch (e) {
      // a bad TRANSFORMER_THREADS is the user's to fix, not a reason to fall back to the slowest kernels
      if (e instanceof OptionError) throw e;
      // otherwise not available here: try the next one
    }
  }
  return jsBackend;
}
