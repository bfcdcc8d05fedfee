/**
 * The shared linear memory and how it is laid out:
 *   [0, heapBase)              the module's stack and globals (kernels use neither, see kernels/common.h)
 *   [heapBase, fixedEnd)       fixed: the GEMM parameter block and each thread's packing buffers
 *   [fixedEnd, scratchBase)    resident: long-lived arrays (parameters) that kernels read and write in place
 *   [scratchBase, ...)         scratch: operands copied in for one kernel call, bump-allocated, reset per call
 * The memory grows when a call needs more scratch or a resident block does not fit, and never shrinks
 * (WebAssembly cannot shrink a memory). Scratch is dead between calls, so the resident region may grow into it.
 */
import { FreeList } from "./free-list.js";

const PAGE = 65536;
const ALIGN = 64;
/** 4 GiB: the most a wasm32 memory can address. */
const MAX_PAGES = 65536;

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** The resident region stays under this share of the memory's maximum, so that scratch always has room. */
const RESIDENT_SHARE = 0.75;

export class Arena {
  readonly memory: WebAssembly.Memory;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  private top: number;
  private scratchBase: number;
  private fixedEnd: number;
  private readonly maxBytes: number;
  /** Free blocks inside the resident region, [fixedEnd, scratchBase). */
  private readonly gaps = new FreeList();
  /** Every buffer object the memory has handed out: views on any of them address the same bytes. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(private readonly heapBase: number, initialBytes: number) {
    const initial = Math.ceil(Math.max(initialBytes, heapBase + PAGE) / PAGE);
    const { memory, maximum } = createSharedMemory(initial);
    this.memory = memory;
    this.maxBytes = maximum * PAGE;
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.u8View = new Uint8Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
    this.top = this.scratchBase = this.fixedEnd = alignUp(heapBase, ALIGN);
  }

  /** Reserves `bytes` in the fixed region; call only before the first resident or scratch allocation. */
  reserve(bytes: number): number {
    const at = this.scratchBase;
    this.fixedEnd = this.scratchBase = this.top = alignUp(at + bytes, ALIGN);
    this.ensure(this.top);
    return at;
  }

  /**
   * A resident block of `bytes` (64-byte aligned, contents undefined) that stays until freeResident; null when
   * the memory cannot hold it. Call between kernel calls only (it moves the start of scratch).
   */
  allocResident(bytes: number): number | null {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    const at = this.gaps.take(size);
    if (at !== null) return at;
    const end = this.scratchBase + size;
    if (end > this.maxBytes * RESIDENT_SHARE || !this.tryEnsure(end)) return null;
    const start = this.scratchBase;
    this.scratchBase = this.top = end;
    return start;
  }

  /** Returns a block from allocResident (same `bytes`); call between kernel calls only. */
  freeResident(at: number, bytes: number): void {
    this.gaps.give(at, alignUp(Math.max(bytes, 1), ALIGN));
    const last = this.gaps.takeEndingAt(this.scratchBase);
    if (last !== null) this.scratchBase = this.top = last;
  }

  /**
   * The byte address of x's element 0 when x lies in the resident region (kernels then read and write it in place),
   * else -1.
   */
  residentAt(x: ArrayBufferView): number {
    if (!this.buffers.has(x.buffer)) return -1;
    return x.byteOffset >= this.fixedEnd && x.byteOffset + x.byteLength <= this.scratchBase ? x.byteOffset : -1;
  }

  /** Whether byte address `at` is in scratch (a copy made for this call), not in the resident region. */
  isScratch(at: number): boolean {
    return at >= this.scratchBase;
  }

  /** A Float32Array view of `length` floats at byte address `at` (on the memory's current buffer). */
  view(at: number, length: number): Float32Array {
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    return new Float32Array(buf, at, length);
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
    if (!this.tryEnsure(end)) {
      throw new RangeError(
        `wasm backend: a kernel call needs ${Math.ceil(end / 2 ** 20)} MiB of WebAssembly memory, more than this ` +
        `engine will give (the most is 4096 MiB); split the call into smaller ones`);
    }
  }

  /** Grows the memory to at least `end` bytes; false when it cannot. */
  private tryEnsure(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return true;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      return false;
    }
    // a shared memory's old buffer objects stay valid (at their old length): views into them are never detached
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    this.f32View = new Float32Array(buf);
    this.i32View = new Int32Array(buf);
    this.u8View = new Uint8Array(buf);
    return true;
  }
}

/** A shared memory with the largest maximum the engine accepts (browsers on small devices may refuse 4 GiB). */
function createSharedMemory(initial: number): { memory: WebAssembly.Memory; maximum: number } {
  let lastError: unknown = null;
  for (const max of [MAX_PAGES, 32768, 16384]) {
    const maximum = Math.max(max, initial);
    try {
      return { memory: new WebAssembly.Memory({ initial, maximum, shared: true }), maximum };
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`wasm backend: cannot create a shared WebAssembly.Memory (${String(lastError)}); in browsers the ` +
    "page must be cross-origin isolated (COOP/COEP headers)");
}
