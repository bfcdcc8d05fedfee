import { existsSync } from "node:fs";
import type { DeviceBackend } from "../../src/backend/device/backend.js";
import { createWebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { createGpuRuntime, type GpuRuntime } from "../../src/backend/webgpu/index.js";

/**
 * The runtime the WebGPU tests share, or why there is none. Unless VK_ICD_FILENAMES says otherwise, Vulkan is
 * pointed at the SwiftShader ICD of Debian's chromium package when it is installed, so CI and a laptop without a
 * GPU test the same software adapter. With CI set (as the other suites read it) a missing adapter is a failure, not a skip.
 */
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

function pointAtSwiftShader(): void {
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

export async function gpuForTests(): Promise<{ rt: GpuRuntime | null; skip: string | false }> {
  pointAtSwiftShader();
  let rt: GpuRuntime | null = null;
  let why = "";
  try {
    rt = await createGpuRuntime();
    if (!rt) why = "no WebGPU adapter (Dawn needs libvulkan.so.1 and a Vulkan driver, e.g. VK_ICD_FILENAMES=" + SWIFTSHADER_ICD + ")";
  } catch (e) {
    why = (e as Error).message;
  }
  if (rt) return { rt, skip: false };
  if (process.env.CI) throw new Error(`webgpu tests: CI=true and ${why}`);
  return { rt: null, skip: why };
}

/** The WebGPU backend (its GPU in a worker) for the tests of the model on it, or why there is none; as gpuForTests. */
export async function webgpuBackendForTests(what: string): Promise<{ be: DeviceBackend | null; skip: string | false }> {
  pointAtSwiftShader();
  try {
    return { be: await createWebGpuBackend(), skip: false };
  } catch (e) {
    if (process.env.CI) throw new Error(`${what}: CI=true and ${(e as Error).message}`);
    return { be: null, skip: (e as Error).message };
  }
}
