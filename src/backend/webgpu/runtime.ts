/// <reference types="@webgpu/types" />
import { generateWgsl, type BindingPlan, type KernelSpec } from "./codegen.js";
import type { AdapterReport, WebGpuDevice } from "./device.js";
import { BufferPool, type PoolStats } from "./pool.js";

/**
 * A tensor on the GPU: `length` 4-byte elements (f32, i32 or u32: the kernel decides) starting `offset` elements
 * into `buffer`. Kernels bind whole buffers and take offsets as parameters, so a tensor may start anywhere (WebGPU
 * would want 256-byte aligned binding offsets), and views of one buffer (a fused QKV projection's q, k and v) can
 * be passed as they are.
 */
export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly length: number;
}

/** A view of `length` elements of t starting `at` elements into it. */
export function view(t: GpuTensor, at: number, length: number): GpuTensor {
  if (at < 0 || length < 0 || at + length > t.length) {
    throw new RangeError(`webgpu: view [${at}, ${at + length}) is outside a tensor of ${t.length} elements`);
  }
  return { buffer: t.buffer, offset: t.offset + at, length };
}

const MAX_GROUPS = 65535;

/** A grid of `groups` workgroups as (x, y) within WebGPU's 65535 per dimension; kernels read the flat index `wg`. */
export function grid2d(groups: number): [number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y];
}

/**
 * The device, its buffer pool and one open command encoder. Kernels encode into the encoder; nothing is submitted
 * until flush() or a read(), and nothing is read back unless read() is called, so a sequence of kernels costs one
 * submit. Per-dispatch parameter buffers and scratch tensors go back to the pool at the next submit: a buffer the
 * queue has been given may be rewritten by queue.writeBuffer for a later submit, since the queue runs in order.
 */
export class GpuRuntime {
  readonly device: GPUDevice;
  readonly adapter: AdapterReport;
  readonly pool: BufferPool;
  private encoder: GPUCommandEncoder | null = null;
  /**
   * The open compute pass: dispatches go into one pass until a copy or a submit. WebGPU orders the storage writes
   * of one dispatch before the reads of the next within a pass (each dispatch is its own usage scope), and a pass
   * per dispatch cost SwiftShader several milliseconds each.
   */
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private readonly afterSubmit: GPUBuffer[] = [];
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private firstError: string | null = null;
  /** Dispatches encoded since creation (tests use it to see that work was batched). */
  dispatches = 0;
  submits = 0;

  constructor({ device, adapter }: WebGpuDevice) {
    this.device = device;
    this.adapter = adapter;
    this.pool = new BufferPool(device);
    device.addEventListener("uncapturederror", (e) => {
      this.firstError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** A tensor of `length` elements from the pool; its contents are undefined until written. */
  alloc(length: number): GpuTensor {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`webgpu: alloc(${length}): expected a whole number of elements`);
    return { buffer: this.pool.acquire(Math.max(length, 1) * 4, "storage"), offset: 0, length };
  }

  /**
   * Returns t's buffer to the pool at once, even with encoded work still reading it: the GPU runs one encoder's
   * dispatches in order, so a later kernel that reuses the buffer writes it after the earlier ones read it, and
   * write() submits what is encoded before its upload. The caller must not use t (or a view of it) afterwards.
   */
  free(t: GpuTensor): void {
    this.pool.release(t.buffer);
  }

  /** A tensor that lives until the next submit: for a kernel's intermediate results. */
  scratch(length: number): GpuTensor {
    const t = this.alloc(length);
    this.afterSubmit.push(t.buffer);
    return t;
  }

  /** Copies host data into t at element `at`. Work already encoded is submitted first, so it sees t as it was. */
  write(t: GpuTensor, data: Float32Array | Int32Array | Uint32Array, at = 0): void {
    if (at + data.length > t.length) throw new RangeError(`webgpu: writing ${data.length} elements at ${at} overflows a tensor of ${t.length}`);
    this.flushIfPending();
    if (data.length) this.device.queue.writeBuffer(t.buffer, (t.offset + at) * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  /** A new tensor holding `data`. */
  upload(data: Float32Array | Int32Array | Uint32Array): GpuTensor {
    const t = this.alloc(data.length);
    this.write(t, data);
    return t;
  }

  /** Submits the encoded work and reads t back: the one place the host waits for the GPU. */
  async read(t: GpuTensor): Promise<ArrayBuffer> {
    const bytes = t.length * 4;
    const staging = this.pool.acquire(Math.max(bytes, 4), "readback");
    if (bytes) this.copyEncoder().copyBufferToBuffer(t.buffer, t.offset * 4, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */, 0, Math.max(bytes, 4));
      const out = staging.getMappedRange(0, Math.max(bytes, 4)).slice(0, bytes);
      staging.unmap();
      this.throwIfFailed();
      return out;
    } finally {
      this.pool.release(staging);
    }
  }

  async readF32(t: GpuTensor): Promise<Float32Array> {
    return new Float32Array(await this.read(t));
  }

  async readU32(t: GpuTensor): Promise<Uint32Array> {
    return new Uint32Array(await this.read(t));
  }

  async readI32(t: GpuTensor): Promise<Int32Array> {
    return new Int32Array(await this.read(t));
  }

  /**
   * Encodes one dispatch of `spec` over `groups` workgroups. `tensors` gives each logical buffer; `vec4` names the
   * buffers the kernel may load 16 bytes at a time (honoured only when every buffer sharing its GPU buffer asks).
   */
  dispatch(
    spec: KernelSpec, tensors: Record<string, GpuTensor>, params: Record<string, number>,
    groups: readonly [number, number?, number?], vec4: readonly string[] = [],
  ): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    const gpuBuffers: GPUBuffer[] = [];
    const plan: BindingPlan = { group: [], vec4: [] };
    for (const b of spec.buffers) {
      const t = tensors[b.name];
      if (!t) throw new Error(`webgpu ${spec.name}: no tensor given for buffer "${b.name}"`);
      let g = gpuBuffers.indexOf(t.buffer);
      if (g < 0) {
        g = gpuBuffers.push(t.buffer) - 1;
        plan.vec4[g] = true;
      }
      plan.group.push(g);
      if (!vec4.includes(b.name) || t.offset % 4 !== 0) plan.vec4[g] = false;
    }
    const code = generateWgsl(spec, plan);
    const { pipeline, layout } = this.pipeline(spec, plan, code);

    const words = spec.params.length + spec.buffers.length;
    const uniform = this.pool.acquire(words * 4, "uniform");
    this.afterSubmit.push(uniform);
    const data = new DataView(new ArrayBuffer(Math.ceil(words / 4) * 16));
    spec.buffers.forEach((b, i) => data.setUint32((spec.params.length + i) * 4, tensors[b.name].offset, true));
    spec.params.forEach(([name, type], i) => {
      const v = params[name];
      if (v === undefined || (Number.isNaN(v) && type !== "f32")) throw new Error(`webgpu ${spec.name}: parameter ${name} is ${v}`);
      if (type === "f32") data.setFloat32(i * 4, v, true);
      else if (type === "i32") data.setInt32(i * 4, v, true);
      else data.setUint32(i * 4, v, true);
    });
    this.device.queue.writeBuffer(uniform, 0, data.buffer);
    const bindGroup = this.device.createBindGroup({
      layout,
      entries: [{ binding: 0, resource: { buffer: uniform } }, ...gpuBuffers.map((buffer, g) => ({ binding: g + 1, resource: { buffer } }))],
    });
    this.pass ??= this.enc().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.pending++;
    this.dispatches++;
  }

  /** Submits what is encoded; the pool gets back this submit's parameter and scratch buffers. */
  flush(): void {
    if (this.encoder) {
      this.endPass();
      this.device.queue.submit([this.encoder.finish()]);
      this.submits++;
      this.encoder = null;
      this.pending = 0;
    }
    for (const b of this.afterSubmit.splice(0)) this.pool.release(b);
  }

  /** Resolves when the GPU has finished everything submitted; throws the first GPU error seen, if any. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfFailed();
  }

  stats(): PoolStats & { pipelines: number } {
    return { ...this.pool.stats(), pipelines: this.pipelines.size };
  }

  destroy(): void {
    this.flush();
    this.pool.destroy();
    this.device.destroy();
  }

  private throwIfFailed(): void {
    const error = this.firstError;
    this.firstError = null; // reported once: the next read stands on its own
    if (error !== null) throw new Error(`webgpu: the device reported an error: ${error}`);
  }

  private flushIfPending(): void {
    if (this.pending > 0 || this.encoder) this.flush();
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** The encoder, with no compute pass open: for copies. */
  private copyEncoder(): GPUCommandEncoder {
    this.endPass();
    return this.enc();
  }

  private enc(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private pipeline(spec: KernelSpec, plan: BindingPlan, code: string): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    const cached = this.pipelines.get(code);
    if (cached) return cached;
    const groups = plan.vec4.length;
    const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: 4 /* COMPUTE */, buffer: { type: "uniform" } }];
    for (let g = 0; g < groups; g++) {
      const write = spec.buffers.some((b, i) => plan.group[i] === g && b.write);
      entries.push({ binding: g + 1, visibility: 4, buffer: { type: write ? "storage" : "read-only-storage" } });
    }
    const layout = this.device.createBindGroupLayout({ entries, label: spec.name });
    const module = this.device.createShaderModule({ code, label: spec.name });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: "main" },
      label: spec.name,
    });
    const entry = { pipeline, layout };
    this.pipelines.set(code, entry);
    return entry;
  }
}
