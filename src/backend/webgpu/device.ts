/// <reference types="@webgpu/types" />
/**
 * Finding a WebGPU adapter and device: the browser's navigator.gpu, or in Node the optional npm package `webgpu`
 * (Dawn's bindings, prebuilt in the tarball). Loaded by a computed specifier so that the library compiles and runs
 * without the package; asking for a device without it fails with one line saying how to get it.
 */

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (SwiftShader, lavapipe, WARP): the adapter's isFallbackAdapter or its names say so. */
  software: boolean;
}

export interface WebGpuDevice {
  device: GPUDevice;
  adapter: AdapterReport;
}

export interface WebGpuDeviceOptions {
  /** The GPU object to ask (tests pass one); default navigator.gpu in a browser, the `webgpu` package in Node. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** Take no software adapter (the default backend choice): a SwiftShader or lavapipe one counts as none. */
  hardwareOnly?: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|warp|software|microsoft basic render/i;

export function reportAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const names = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  // isFallbackAdapter is newer than GPUAdapterInfo itself; older implementations only name themselves
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: fallback || SOFTWARE_NAMES.test(names),
  };
}

let nodeGpu: Promise<GPU> | undefined;

/** Node's GPU object from the `webgpu` package, created once per process (Dawn's instance is process-wide). */
async function gpuInNode(): Promise<GPU> {
  nodeGpu ??= (async () => {
    const specifier = "webgpu"; // a variable: the package is optional, so neither tsc nor a bundler should need it
    let mod: { create(options: string[]): GPU; globals: object };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (e) {
      throw new Error(`webgpu: the optional npm package "webgpu" did not load (${(e as Error).message.split("\n")[0]}); install it with npm install webgpu`);
    }
    // the WebGPU classes and enums (GPUBufferUsage, GPUMapMode, ...) a browser has as globals
    for (const [name, value] of Object.entries(mod.globals)) {
      if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
    }
    return mod.create([]);
  })();
  return nodeGpu;
}

/** The default GPU object here, or undefined when this JavaScript has none. */
async function defaultGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (typeof process !== "undefined" && process.versions?.node) return gpuInNode();
  throw new Error("webgpu: this JavaScript has no navigator.gpu (WebGPU is off or unsupported here)");
}

/**
 * The adapter and a device on it, or null when the GPU object offers no adapter (no GPU, no Vulkan loader, no
 * driver), or with hardwareOnly only a software one. Errors other than "no adapter" (the package missing, a
 * device refused) throw.
 */
export async function requestWebGpuDevice(opts: WebGpuDeviceOptions = {}): Promise<WebGpuDevice | null> {
  const gpu = opts.gpu ?? (await defaultGpu());
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) return null;
  const report = reportAdapter(adapter);
  if (opts.hardwareOnly && report.software) return null;
  const l = adapter.limits;
  // the kernels bind whole buffers: ask for the largest storage binding the adapter allows, not the default 128 MiB
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(l.maxStorageBuffersPerShaderStage, 10),
    },
  });
  return { device, adapter: report };
}
