/**
 * The data section of a safetensors file: little-endian elements of each dtype to and from float32, a piece at a
 * time (so that a reader or writer never holds more than one piece besides the tensors), and the rule that a
 * checkpoint holds only finite weights. Browser-safe.
 */
import { CheckpointError } from '../errors.js';
import {
  BF16_OVERFLOW,
  F16_OVERFLOW,
  bf16ToF32Bits,
  f16ToF32Bits,
  f32ToBf16Bits,
  f32ToF16Bits,
} from './half.js';

/**
 * The dtypes a file may hold (all read as float32; F64 rounds; BOOL as 0 and 1, for the boolean attention-mask
 * buffers some Hugging Face checkpoints store beside their weights).
 */
export type StoredDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'BOOL';

/** The dtypes we write. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export const ELEMENT_SIZE: Readonly<Record<StoredDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8, BOOL: 1 };

export function isStoredDtype(dtype: string): dtype is StoredDtype {
  return Object.hasOwn(ELEMENT_SIZE, dtype);
}

/** Bytes per read or write call: bounded, so that a file of any size passes through a buffer of this size. */
export const CHUNK_BYTES = 64 * 1024 * 1024;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Where F32 bytes can go straight between a file and a Float32Array's memory, with no conversion. */
export function isVerbatim(dtype: StoredDtype): boolean {
  return dtype === 'F32' && HOST_IS_LITTLE_ENDIAN;
}

/** A name quoted as JSON, so that spaces, quotes and control characters in it stay visible in a message. */
export function q(name: string): string {
  return JSON.stringify(name);
}

/** A fresh float32 array for a tensor; a size the runtime cannot allocate is the file's problem, not a crash. */
export function allocateTensor(file: string, name: string, count: number): Float32Array {
  try {
    return new Float32Array(count);
  } catch (e) {
    throw new CheckpointError(`${file}: tensor ${q(name)}: ${count} float32 values do not fit in memory here (${(e as Error).message})`);
  }
}

let f16Table: Uint32Array | undefined;

/** Float32 bits of every F16 bit pattern, built on first use (256 KiB): a lookup per element when reading. */
function f16ToF32Table(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32Bits(h);
  }
  return f16Table;
}

/** Converts `raw` (whole little-endian elements of `dtype`) to float32 in `out`, starting at element `at`. */
export function decodeElements(raw: Uint8Array, dtype: StoredDtype, out: Float32Array, at: number): void {
  if (isVerbatim(dtype)) {
    new Uint8Array(out.buffer, out.byteOffset + 4 * at, raw.length).set(raw); // a byte copy: any alignment
    return;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = raw.length / ELEMENT_SIZE[dtype];
  // Bits go through a same-buffer Uint32Array: host byte order on both sides, and NaN payloads kept exactly.
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) bits[at + i] = view.getUint32(4 * i, true);
      return;
    case 'F16': {
      const table = f16ToF32Table();
      for (let i = 0; i < count; i++) bits[at + i] = table[view.getUint16(2 * i, true)]!;
      return;
    }
    case 'BF16':
      for (let i = 0; i < count; i++) bits[at + i] = bf16ToF32Bits(view.getUint16(2 * i, true));
      return;
    case 'F64':
      for (let i = 0; i < count; i++) out[at + i] = view.getFloat64(8 * i, true); // rounds to nearest float32
      return;
    case 'BOOL':
      for (let i = 0; i < count; i++) out[at + i] = raw[i] !== 0 ? 1 : 0;
      return;
  }
}

/**
 * `count` elements of `data` from `from`, as little-endian bytes of `dtype`: a view of `data` itself where the bytes
 * are already those (F32 on a little-endian host), otherwise encoded into `staging`, which must hold them.
 */
export function encodeElements(
  data: Float32Array, from: number, count: number, dtype: SafetensorsDtype, staging: Uint8Array,
): Uint8Array {
  if (isVerbatim(dtype)) return new Uint8Array(data.buffer, data.byteOffset + 4 * from, 4 * count);
  const out = staging.subarray(0, count * ELEMENT_SIZE[dtype]);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) view.setUint32(4 * i, bits[from + i]!, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) view.setUint16(2 * i, f32ToF16Bits(bits[from + i]!), true);
      break;
    case 'BF16':
      for (let i = 0; i < count; i++) view.setUint16(2 * i, f32ToBf16Bits(bits[from + i]!), true);
      break;
  }
  return out;
}

const FINITE_RULE = 'a checkpoint must hold finite weights';

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/**
 * Throws if `out[at ...]`, just decoded from `raw`, holds a value that is not finite: a NaN or ±inf stored in the
 * file, or an F64 too large for float32. The message names the file, the tensor and the first such index.
 */
export function checkLoadedFinite(
  file: string, name: string, dtype: StoredDtype, raw: Uint8Array, out: Float32Array, at: number,
): void {
  const end = at + raw.length / ELEMENT_SIZE[dtype];
  for (let i = at; i < end; i++) {
    const v = out[i]!;
    if (v - v === 0) continue; // NaN - NaN and inf - inf are NaN
    const stored = dtype === 'F64' ? new DataView(raw.buffer, raw.byteOffset).getFloat64(8 * (i - at), true) : v;
    const what = Number.isFinite(stored) ? `${stored}, which overflows float32,` : nonFinite(v);
    throw new CheckpointError(`${file}: tensor ${q(name)} holds ${what} at index ${i}; ${FINITE_RULE}`);
  }
}

/** The smallest magnitude that each dtype cannot store as a finite value. */
const OVERFLOW: Readonly<Record<SafetensorsDtype, number>> = { F32: Infinity, F16: F16_OVERFLOW, BF16: BF16_OVERFLOW };

/** The largest finite value of the half formats, for messages (a finite float32 never overflows F32). */
const LARGEST: Readonly<Record<string, string>> = { F16: '65504', BF16: '3.3895313892515355e+38' };

/**
 * Throws, before anything is written, if `data` holds a value that would not be finite once stored as `dtype`: a
 * NaN or ±inf, or a float32 past the largest F16 or BF16 (which would round to inf).
 */
export function checkStorable(file: string, name: string, data: Float32Array, dtype: SafetensorsDtype): void {
  const limit = OVERFLOW[dtype];
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Math.abs(v) < limit) continue;
    const what = Number.isFinite(v) ? `${v}, which overflows ${dtype} (largest finite ${LARGEST[dtype]}),` : nonFinite(v);
    throw new CheckpointError(`${file}: tensor ${q(name)} holds ${what} at index ${i}; ${FINITE_RULE}`);
  }
}
