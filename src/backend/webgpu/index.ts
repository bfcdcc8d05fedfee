/**
 * WebGPU kernels: every kernel of the Backend interface (src/backend/backend.ts) in WGSL, on GPU-resident tensors.
 *
 * This is the kernel library: kernels take GpuTensors (a buffer and an element offset), encode into one open
 * command encoder with no readback, and only GpuRuntime.read() waits for the GPU. The backend the model runs on
 * (TRANSFORMER_BACKEND=webgpu) is ./backend.ts: these kernels in a worker that owns the device (./proxy), behind
 * the device backend's residency (src/backend/device). WebGpuHostBridge runs each kernel on host arrays (upload,
 * run, read back) only so that tests can hold every kernel against the reference with the reference's own
 * arguments; it is not a way to train.
 *
 * In Node the device comes from the optional npm package `webgpu` (Dawn), which needs a Vulkan loader
 * (libvulkan.so.1) and a driver; on a machine without a GPU, SwiftShader's ICD from Debian's chromium package
 * works: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json. In a browser, navigator.gpu.
 *
 * Layouts: f32, i32 and u32 tensors are one element a 4-byte word; byte masks (dropout's keep, attention's
 * keyPad) are packed four to a word as a Uint8Array's bytes. Determinism: no float atomics anywhere; every sum
 * has a fixed order, so a run gives the same bits as the last on the same device.
 */
export { requestWebGpuDevice, reportAdapter, type AdapterReport, type WebGpuDevice, type WebGpuDeviceOptions } from "./device.js";
export { BufferPool, type PoolStats } from "./pool.js";
export { GpuRuntime, view, type GpuTensor } from "./runtime.js";
export { WebGpuHostBridge } from "./host-bridge.js";
export { encodeGemm, type GpuGemmArgs } from "./kernels/gemm.js";
export { encodeMaskedSoftmax, encodeSoftmax, encodeSoftmaxBackward } from "./kernels/softmax.js";
export { encodeAttendOne, type GpuAttendOneArgs } from "./kernels/attend-one.js";
export { encodeLayerNorm, encodeLayerNormBackward, type GpuLayerNormArgs, type GpuLayerNormBackwardArgs } from "./kernels/layer-norm.js";
export { encodeBackward, encodeUnary } from "./kernels/activations.js";
export { encodeDropout, encodeMaskScale } from "./kernels/dropout.js";
export { encodeAddColumnSums } from "./kernels/column-sums.js";
export { encodeEmbedding, encodeEmbeddingBackward } from "./kernels/embedding.js";
export {
  encodeCrossEntropy, encodeCrossEntropyBackward, encodeCrossEntropyWithGrad, type GpuCrossEntropyArgs, type GpuCrossEntropyBackwardArgs,
} from "./kernels/cross-entropy.js";
export { encodeAdam } from "./kernels/adam.js";
export { encodeAdd, encodeAddTiled, encodeFill, encodeScale, encodeTile } from "./kernels/elementwise.js";
export { encodeCopyStrided, type GpuCopyStridedArgs } from "./kernels/copy-strided.js";
export { encodeArgmaxRows } from "./kernels/argmax.js";
export { encodeLogSoftmax } from "./kernels/log-softmax.js";

import { requestWebGpuDevice, type WebGpuDeviceOptions } from "./device.js";
import { GpuRuntime } from "./runtime.js";

/** A runtime on the default adapter, or null when there is none. */
export async function createGpuRuntime(opts: WebGpuDeviceOptions = {}): Promise<GpuRuntime | null> {
  const d = await requestWebGpuDevice(opts);
  return d ? new GpuRuntime(d) : null;
}
