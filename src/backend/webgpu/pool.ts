/// <reference types="@webgpu/types" />
/**
 * A pool of GPU buffers by kind and size class, so that a training step that allocates the same tensors every step
 * creates no GPU buffers after its first: a released buffer waits in its class's free list for the next request of
 * that class. Sizes round up to a power of two (at least 256 bytes), which wastes at most half of a buffer and lets
 * any request of the class reuse any of its buffers. stats() counts every buffer the pool made and still holds, so
 * tests can assert that a loop leaves both flat.
 */

/** GPUBufferUsage's bits, as numbers: in Node the named constants only exist once the `webgpu` package loads. */
export const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;

/** What a buffer is for: storage (the kernels' tensors), uniform (a dispatch's parameters), readback (mapped). */
export type BufferKind = "storage" | "uniform" | "readback";

const USAGE_OF: Record<BufferKind, number> = {
  storage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
  uniform: USAGE.UNIFORM | USAGE.COPY_DST,
  readback: USAGE.MAP_READ | USAGE.COPY_DST,
};

export interface PoolStats {
  /** GPU buffers the pool created and has not destroyed (in use or free). */
  buffers: number;
  /** Their bytes. */
  bytes: number;
  /** Of those, waiting in free lists. */
  free: number;
}

export function sizeClass(bytes: number): number {
  let size = 256;
  while (size < bytes) size *= 2;
  return size;
}

export class BufferPool {
  private readonly freeLists = new Map<string, GPUBuffer[]>();
  private readonly owned = new Set<GPUBuffer>();
  private readonly kindOf = new WeakMap<GPUBuffer, BufferKind>();
  private bytes = 0;
  private freeCount = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A buffer of at least `bytes` bytes for `kind`; its contents are whatever its last user left. */
  acquire(bytes: number, kind: BufferKind): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.freeLists.get(`${kind}:${size}`);
    const reused = list?.pop();
    if (reused) {
      this.freeCount--;
      return reused;
    }
    if (size > this.device.limits.maxBufferSize) {
      throw new RangeError(`webgpu: a buffer of ${bytes} bytes is over this device's maxBufferSize ${this.device.limits.maxBufferSize}`);
    }
    const buffer = this.device.createBuffer({ size, usage: USAGE_OF[kind], label: `pool ${kind} ${size}` });
    this.owned.add(buffer);
    this.kindOf.set(buffer, kind);
    this.bytes += size;
    return buffer;
  }

  /** Gives `buffer` back for reuse. The caller must be done with it on the queue's timeline (see GpuRuntime). */
  release(buffer: GPUBuffer): void {
    const kind = this.kindOf.get(buffer);
    if (kind === undefined || !this.owned.has(buffer)) throw new Error("webgpu: released a buffer this pool does not own");
    const key = `${kind}:${buffer.size}`;
    let list = this.freeLists.get(key);
    if (!list) this.freeLists.set(key, (list = []));
    if (list.includes(buffer)) throw new Error("webgpu: a buffer was released twice");
    list.push(buffer);
    this.freeCount++;
  }

  /** Destroys the free buffers (the ones in use stay). */
  trim(): void {
    for (const list of this.freeLists.values()) {
      for (const b of list) {
        this.owned.delete(b);
        this.bytes -= b.size;
        b.destroy();
      }
      list.length = 0;
    }
    this.freeCount = 0;
  }

  stats(): PoolStats {
    return { buffers: this.owned.size, bytes: this.bytes, free: this.freeCount };
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.freeLists.clear();
    this.bytes = 0;
    this.freeCount = 0;
  }
}
