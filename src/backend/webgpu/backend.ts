import { createDeviceBackend, type DeviceBackend } from "../device/backend.js";
import { WorkerDevice } from "./proxy/client.js";

export { NoGpuAdapter } from "./proxy/client.js";

/**
 * The WebGPU backend (TRANSFORMER_BACKEND=webgpu): the WGSL kernels on a device owned by a worker, behind the
 * device backend's residency (src/backend/device): parameters, optimizer state and activations stay on the GPU
 * between kernels, and the host copies an array only when its code reads one (a loss, the chosen tokens, a
 * checkpoint). Throws one line when there is no adapter here (NoGpuAdapter; with hardwareOnly, also where the only
 * one is a software adapter such as SwiftShader), or the optional package `webgpu` is missing in Node.
 */
export async function createWebGpuBackend(opts: { hardwareOnly?: boolean } = {}): Promise<DeviceBackend> {
  const device = await WorkerDevice.start(opts);
  return createDeviceBackend(device, { name: "webgpu" });
}
