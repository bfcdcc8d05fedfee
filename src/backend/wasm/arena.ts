/**
 * The shared linear memory and how it is laid out:
 *   [0, heapBase)            the module's stack and globals (kernels use neither, see kernels/common.h)
 *   [heapBase, scratchBase)  fixed: the GEMM parameter block and each thread's packing buffers
 *   [scratchBase, ...)       scratch: operands copied in for one kernel call, bump-allocated, reset per call
 * The memory grows when a call needs more scratch and never shrinks (WebAssembly cannot shrink a memory).
 */
const PAGE = 65536;
const ALIGN = 64;
/** 4 GiB: the most a wasm32 memory can address. */
const MAX_PAGES = 65536;

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

export class Arena {
  readonly memory: WebAssembly.Memory;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  private top: number;
  private scratchBase: number;

  constructor(private readonly heapBase: number, initialBytes: number) {
    const initial = Math.ceil(Math.max(initialBytes, heapBase + PAGE) / PAGE);
    this.memory = createSharedMemory(initial);
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.u8View = new Uint8Array(this.memory.buffer);
    this.top = this.scratchBase = alignUp(heapBase, ALIGN);
  }

  /** Reserves `bytes` in the fixed region; call only before the first scratch allocation. */
  reserve(bytes: number): number {
    const at = this.scratchBase;
    this.scratchBase = this.top = alignUp(at + bytes, ALIGN);
    this.ensure(this.top);
    return at;
  }

  /** Frees all scratch. */
  reset(): void {
    this.top = this.scratchBase;
  }

  /** A scratch block of `bytes`, 64-byte aligned; grows the memory when needed. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = alignUp(at + bytes, ALIGN);
    this.ensure(this.top);
    return at;
  }

  /** Copies src into a new scratch block and returns its byte address. */
  copyIn(src: Float32Array, from = 0, to = src.length): number {
    const at = this.alloc((to - from) * 4);
    this.write(at, src, from, to);
    return at;
  }

  /** Copies src[from .. to) to byte address `at`. */
  write(at: number, src: Float32Array, from: number, to: number): void {
    if (to > from) this.f32View.set(src.subarray(from, to), at >> 2);
  }

  copyInBytes(src: Uint8Array | Int32Array): number {
    const at = this.alloc(src.byteLength);
    this.u8View.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
    return at;
  }

  /** Copies `count` floats at byte address `at` into dst[dstOffset ..]. */
  copyOut(at: number, dst: Float32Array, dstOffset: number, count: number): void {
    if (count > 0) dst.set(this.f32View.subarray(at >> 2, (at >> 2) + count), dstOffset);
  }

  /** Zeroed scratch for `count` int32 flags; returns its byte address. */
  flags(count: number): number {
    const at = this.alloc(count * 4);
    this.i32View.fill(0, at >> 2, (at >> 2) + count);
    return at;
  }

  get f32(): Float32Array {
    return this.f32View;
  }

  get i32(): Int32Array {
    return this.i32View;
  }

  /** Bytes in use by the memory, fixed region included. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new RangeError(
        `wasm backend: a kernel call needs ${Math.ceil(end / 2 ** 20)} MiB of WebAssembly memory, more than this ` +
        `engine will give (the most is 4096 MiB); split the call into smaller ones`);
    }
    const buf = this.memory.buffer;
    this.f32View = new Float32Array(buf);
    this.i32View = new Int32Array(buf);
    this.u8View = new Uint8Array(buf);
  }
}

/** A shared memory with the largest maximum the engine accepts (browsers on small devices may refuse 4 GiB). */
function createSharedMemory(initial: number): WebAssembly.Memory {
  let lastError: unknown = null;
  for (const maximum of [MAX_PAGES, 32768, 16384]) {
    try {
      return new WebAssembly.Memory({ initial, maximum: Math.max(maximum, initial), shared: true });
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`wasm backend: cannot create a shared WebAssembly.Memory (${String(lastError)}); in browsers the ` +
    "page must be cross-origin isolated (COOP/COEP headers)");
}
