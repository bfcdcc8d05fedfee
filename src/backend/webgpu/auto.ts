import type { Backend } from "../backend.js";
import { hardwareGpuPossible } from "./drivers.js";

/**
 * The default choice's GPU step in Node: the WebGPU backend on a hardware adapter, or null. Null without a word
 * where there cannot be one here: the optional package `webgpu` is not installed, Linux lists only CPU Vulkan
 * drivers (SwiftShader, lavapipe) or none, or Dawn finds no hardware adapter. A software adapter is never taken:
 * it runs the WGSL on the CPU, slower than the native or wasm kernels. A hardware adapter that fails to start is
 * said on stderr in one line, and the caller goes on to the CPU backends.
 */
export async function hardwareWebGpuBackend(env: NodeJS.ProcessEnv = process.env): Promise<Backend | null> {
  try {
    import.meta.resolve("webgpu");
  } catch {
    return null; // an optional dependency that is not installed here
  }
  if (!hardwareGpuPossible(env)) return null;
  const { createWebGpuBackend, NoGpuAdapter } = await import("./backend.js");
  try {
    return await createWebGpuBackend({ hardwareOnly: true });
  } catch (e) {
    if (e instanceof NoGpuAdapter) return null;
    const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    process.stderr.write(`transformer: a GPU driver is installed but WebGPU did not start (${why}); running on the CPU (TRANSFORMER_BACKEND=native skips the GPU)\n`);
    return null;
  }
}
