/**
 * Picks the kernels a worker runs on. WebGPU where the browser gives a hardware adapter; else the WebAssembly
 * SIMD backend; else the plain-JS reference. Both fast backends need what only cross-origin isolated pages get
 * (COOP/COEP headers, sent by web/vite.config.ts): the WebAssembly backend a shared WebAssembly.Memory, the WebGPU
 * backend a SharedArrayBuffer to block on while its GPU worker (a worker nested in this one, which owns the device)
 * answers a read. A software adapter (SwiftShader, lavapipe, WARP) runs the WGSL on the CPU, slower than the
 * WebAssembly kernels, so "auto" passes it over; ?backend=webgpu takes it anyway.
 */
import type { DeviceBackend } from "../../../src/backend/device/backend.js";
import { backend, setBackend } from "../../../src/backend/index.js";
import { DeviceError } from "../../../src/errors.js";
import { createWasmBackend } from "../../../src/backend/wasm/index.js";
import { createWebGpuBackend } from "../../../src/backend/webgpu/backend.js";
import { type AdapterReport, reportAdapter } from "../../../src/backend/webgpu/device.js";
import type { BackendInfo, BackendParams } from "../protocol.js";

/** An adapter's names (the device backend's report of it leaves out `device`). */
type AdapterNames = Omit<AdapterReport, "device"> & { device?: string };

/** The adapter as people know it: its description ("NVIDIA GeForce RTX 4090") where the browser gives one. */
export function adapterName(a: AdapterNames): string {
  if (a.description) return a.description;
  if (a.device) return a.device;
  // without developer features Chromium names only the vendor and architecture, in lower case ("google", "swiftshader")
  const words = [a.vendor, a.architecture].filter(Boolean).map((w) => SPELLING[w] ?? w);
  return words.join(" ") || "an unnamed adapter";
}

/** How the vendors and software adapters that browsers name in lower case spell themselves. */
const SPELLING: Record<string, string> = {
  google: "Google", swiftshader: "SwiftShader", nvidia: "NVIDIA", amd: "AMD", intel: "Intel", apple: "Apple",
  qualcomm: "Qualcomm", arm: "Arm", microsoft: "Microsoft", mesa: "Mesa", llvmpipe: "llvmpipe", lavapipe: "lavapipe",
};

type Outcome = { info: BackendInfo } | { why: string };

async function tryWebGpu(forced: boolean): Promise<Outcome> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return { why: "this browser has no WebGPU (navigator.gpu is absent)" };
  if (!forced) {
    // ask before starting the GPU worker: most machines without a GPU offer only a software adapter, or none
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) return { why: "WebGPU offers no adapter here (no GPU, or its driver is blocked)" };
    const report = reportAdapter(adapter);
    if (report.software) return { why: softwareWhy(report) };
  }
  let backend;
  try {
    backend = await createWebGpuBackend();
  } catch (e) {
    return { why: `WebGPU did not start (${e instanceof Error ? e.message : String(e)})` };
  }
  const report = backend.adapter!;
  if (!forced && report.software) {
    backend.dispose();
    return { why: softwareWhy(report) };
  }
  setBackend(backend);
  const note = forced
    ? `chosen with ?backend=webgpu${report.software ? "; a software adapter: WebAssembly would be faster" : ""}`
    : "WGSL kernels on the GPU";
  return { info: { name: backend.name, threads: 1, note, adapter: adapterName(report), fallback: null } };
}

function softwareWhy(a: AdapterNames): string {
  return `WebGPU adapter is ${adapterName(a)}, a software adapter: WebAssembly is faster`;
}

/** What this worker's kernels were chosen with (init): a GPU lost later is replaced by the same threads of WebAssembly. */
let chosenWith: BackendParams | null = null;

export async function chooseBackend(p: BackendParams): Promise<BackendInfo> {
  chosenWith = p;
  if (p.backend === "js") return { name: "js", threads: 1, note: "chosen with ?backend=js", adapter: null, fallback: null };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated) {
    const why = "the page is not cross-origin isolated (serve it with COOP/COEP headers), so shared memory is unavailable";
    if (p.backend !== "auto") throw new Error(`?backend=${p.backend}: ${why}`);
    return { name: "js", threads: 1, note: why, adapter: null, fallback: null };
  }
  let fallback: string | null = null;
  if (p.backend === "webgpu" || p.backend === "auto") {
    const gpu = await tryWebGpu(p.backend === "webgpu");
    if ("info" in gpu) return gpu.info;
    if (p.backend === "webgpu") throw new Error(`?backend=webgpu: ${gpu.why}`);
    fallback = gpu.why;
  }
  return cpuBackend(p, fallback);
}

/** WebAssembly where it loads, else the plain-JS reference; `fallback` says why not WebGPU. */
async function cpuBackend(p: BackendParams, fallback: string | null): Promise<BackendInfo> {
  let why: string;
  try {
    const wasm = await createWasmBackend({ threads: p.threads });
    setBackend(wasm);
    const note = wasm.relaxed ? "WebAssembly SIMD with relaxed fused multiply-add" : "WebAssembly SIMD";
    return { name: wasm.name, threads: wasm.threads, note, adapter: null, fallback };
  } catch (e) {
    why = `WebAssembly backend failed to load: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (p.backend === "wasm") throw new Error(`?backend=wasm: ${why}`);
  return { name: "js", threads: 1, note: why, adapter: null, fallback };
}

/**
 * After a call failed: if it failed because the WebGPU device under this worker was lost (a driver reset, the GPU
 * process restarted, the browser reclaiming it), the worker moves to WebAssembly (else the plain-JS reference)
 * and returns what it runs on now (its `fallback` saying why) and that reason as the failed call's message begins
 * (no final period: the caller goes on to say what it did); otherwise null. What lived on the GPU is gone: the caller rebuilds
 * what it needs (the model worker reloads its checkpoint).
 */
export async function leaveLostGpu(err: unknown): Promise<{ info: BackendInfo; why: string } | null> {
  const gpu = backend();
  if (!(err instanceof DeviceError) || gpu.name !== "webgpu") return null;
  (gpu as DeviceBackend).dispose(); // its device is gone; this ends its worker
  const why = err.message.replace(/^webgpu backend: /, "");
  const info = await cpuBackend({ backend: "auto", threads: chosenWith?.threads ?? 1 }, why);
  return { info, why: why.replace(/\.$/, "") };
}
