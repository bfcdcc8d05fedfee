/**
 * Where op outputs get their memory. `new Float32Array(n)` asks V8's embedder for a fresh, zeroed backing store,
 * and the garbage collector later sweeps it: about 1.4 µs for 256 floats on this project's machine, 6 µs for
 * 8,000, against 0.06 µs for a view into an existing buffer. A decoding step makes about a hundred small outputs,
 * so those allocations cost more than all of its kernels but the weight products.
 *
 * Inside `withSlabs` (inference: `nn.inference` runs decoding and evaluation in it), outputs of 32 to 16,384
 * floats are views into 1 MiB slabs instead, bump-allocated and never reused. A new slab is zero, as a new array
 * is, and the garbage collector frees it once no view into it is left, so each view is as fresh and independent
 * as `new Float32Array(n)` would be. The price is memory held: a slab lives while any of its views does. Scoping
 * slabs to inference bounds that (training keeps its outputs for the backward and makes large ones anyway). Small
 * outputs never use slabs (under 32 floats, a loss say: V8 keeps those of up to 16 on its own heap, cheaply, and
 * a slab held alive by a few kept floats is the costliest case), nor do large ones.
 * A view's `.buffer` is the whole slab: code that hands a tensor's buffer on must use byteOffset and byteLength.
 */
import { backend, hostSync } from "../backend/index.js";

const SLAB_BYTES = 1 << 20;
const MIN_FLOATS = 32;
const MAX_FLOATS = 1 << 14;
/** 64-byte steps: every view starts on a cache line, as the vector kernels like. */
const ALIGN = 64;

let depth = 0;
let slab: ArrayBuffer | null = null;
let top = 0;

/** A zeroed Float32Array of n values: a slab view inside withSlabs when n is in the slab range, else a new array. */
export function floats(n: number): Float32Array {
  // not on a device backend (a GPU): its copies are per buffer, and a host write into one view of a slab whose
  // current values are on the device would need the whole slab copied back first
  if (depth === 0 || n < MIN_FLOATS || n > MAX_FLOATS || hostSync !== null) return new Float32Array(n);
  const bytes = Math.ceil((4 * n) / ALIGN) * ALIGN;
  if (slab === null || top + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    top = 0;
  }
  const out = new Float32Array(slab, top, n);
  top += bytes;
  return out;
}

/** Runs fn with op outputs taken from slabs (see above); nests. */
export function withSlabs<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/**
 * A zeroed Float32Array of n values for a parameter (long-lived, read by every kernel call that uses it): storage
 * from the backend when it offers some (the wasm backend's resident memory, read there with no copy per call),
 * else a new array. The backend in use when the model is built is the one its parameters live with.
 */
export function parameterFloats(n: number): Float32Array {
  return backend().allocate?.(n) ?? new Float32Array(n);
}
