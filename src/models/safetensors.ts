/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written in memory. Browser-safe:
 * no Node imports, only Uint8Array/ArrayBuffer/DataView.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON mapping each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the first byte after the header), with an
 * optional "__metadata__": {string: string}; then the data section. The header may be padded with spaces.
 *
 * The reader treats the file as hostile: every number in the header is checked before it is used, and each
 * failure is a one-line CheckpointError that starts with the file name. Tensors come back as fresh float32 arrays
 * (F16, BF16 and F64 are converted), never as views into the file, so the file's alignment does not matter.
 */
import { CheckpointError } from '../errors.js';

/** A tensor as stored in a checkpoint: row-major float32 data of the given shape (`[]` is a scalar). */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** What a safetensors file holds: its tensors by name, in header order, and its `__metadata__` strings. */
export interface SafetensorsContents {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/** Bytes per element of each dtype we read; every one is converted to float32. */
const ELEMENT_SIZE: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

const METADATA_KEY = '__metadata__';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A name quoted as JSON, so that spaces, quotes and control characters in it stay visible in a message. */
function q(name: string): string {
  return JSON.stringify(name);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${q(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Product of the dims; can exceed 2^53 only for shapes that then fail the byte-length check anyway. */
function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Finds the first key that appears twice in one object of a JSON text. JSON.parse keeps the last of duplicate keys
 * without a word, so a header could otherwise name one tensor twice (two ranges, one silently dropped). `text` must
 * already be valid JSON. Returns the duplicate key and the keys of the objects that enclose it (outermost first).
 */
export function findDuplicateJsonKey(text: string): { key: string; path: string[] } | undefined {
  // One frame per open object (keys seen so far) or array (null); `name` is the key the container is the value of,
  // or "[]" for an element of an array.
  const stack: { keys: Set<string> | null; name: string }[] = [];
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string; // decodes escapes: "a" and "\u0061" are one key
        if (top.keys.has(key)) return { key, path: stack.slice(1).map((f) => f.name) };
        top.keys.add(key);
        lastKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const inArray = stack.length > 0 && stack[stack.length - 1]!.keys === null;
      stack.push({ keys: c === 0x7b ? new Set() : null, name: inArray ? '[]' : lastKey });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1]?.keys != null;
    }
  }
  return undefined;
}

/** IEEE 754 half precision bits to a number (exact in float32). */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Reads `count` elements of `dtype` at absolute offset `start` of `view` into a fresh Float32Array. */
function decode(bytes: Uint8Array, view: DataView, start: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      if (HOST_IS_LITTLE_ENDIAN) {
        // slice() copies into a fresh buffer at offset 0, so the float32 view is aligned whatever `start` is.
        return new Float32Array(bytes.slice(start, start + 4 * count).buffer);
      }
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(start + 2 * i, true));
      return out;
    case 'BF16': {
      // bfloat16 is the top half of a float32; same-buffer typed arrays share the host's byte order.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = (view.getUint16(start + 2 * i, true) << 16) >>> 0;
      return out;
    }
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, true); // rounds to nearest float32
      return out;
    default:
      throw new Error(`unreachable dtype ${dtype}`);
  }
}

/**
 * Checks the start of a safetensors file of `fileSize` bytes (`prefix` holds at least its first 8 bytes when the
 * file has them) and returns the header length N. Throws CheckpointError if the file is shorter than 8 bytes or if
 * 8 + N is past its end. Needs nothing but those 8 bytes, so a reader can refuse a bad file before reading it all.
 */
export function checkHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new CheckpointError(`${file}: not a safetensors file: ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  // A u64 read as BigInt: a length past 2^53 is refused here exactly, not rounded into range.
  const headerLen = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  const afterLength = fileSize - 8;
  if (headerLen > BigInt(afterLength)) {
    throw new CheckpointError(`${file}: header claims ${headerLen} bytes but the file has only ${afterLength} after the length`);
  }
  return Number(headerLen); // ≤ afterLength, so exact
}

/**
 * Parses a safetensors file held in memory. `file` names it in error messages. Throws CheckpointError on any
 * malformed header or data: short file, header length past the end, header not UTF-8 JSON object, an entry with a
 * missing or mistyped field, an unsupported dtype (F32, F16, BF16 and F64 are read, all as float32), a shape that is
 * not non-negative integers, offsets out of order or past the end, a byte length that does not match the shape,
 * overlapping tensors, or a name given twice. Gaps between tensors and bytes after the last one are allowed.
 */
export function parseSafetensors(input: Uint8Array | ArrayBuffer, file: string): SafetensorsContents {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const fail = (what: string): never => {
    throw new CheckpointError(`${file}: ${what}`);
  };
  const headerLen = checkHeaderLength(bytes, bytes.length, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return fail(`header (${headerLen} bytes) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    const reason = (e as Error).message.replace(/\s+/g, ' ');
    return fail(`header is not valid JSON (${reason.length > 160 ? reason.slice(0, 160) + '…' : reason})`);
  }
  if (!isPlainObject(header)) {
    return fail(`header must be a JSON object mapping tensor names to entries, found ${describe(header)}`);
  }
  const dup = findDuplicateJsonKey(text);
  if (dup) {
    if (dup.path.length === 0) fail(`tensor ${q(dup.key)} appears more than once in the header`);
    fail(`header entry ${dup.path.map(q).join(' > ')} has the key ${q(dup.key)} more than once`);
  }

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (entry === null) continue;
      if (!isPlainObject(entry)) fail(`${METADATA_KEY} must be an object of strings, found ${describe(entry)}`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`${METADATA_KEY} key ${q(k)}: expected a string, found ${describe(v)}`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const where = `tensor ${q(name)}`;
    if (!isPlainObject(entry)) {
      return fail(`${where}: expected an object with dtype, shape and data_offsets, found ${describe(entry)}`);
    }
    const { dtype, shape, data_offsets: offsets } = entry;
    for (const key of ['dtype', 'shape', 'data_offsets']) {
      if (!(key in entry)) fail(`${where}: missing "${key}"`);
    }
    if (typeof dtype !== 'string') return fail(`${where}: dtype must be a string, found ${describe(dtype)}`);
    const size = Object.hasOwn(ELEMENT_SIZE, dtype) ? ELEMENT_SIZE[dtype] : undefined;
    if (size === undefined) {
      return fail(`${where}: dtype ${q(dtype)} is not supported (expected F32, F16, BF16 or F64)`);
    }
    if (!Array.isArray(shape)) return fail(`${where}: shape must be an array of integers, found ${describe(shape)}`);
    shape.forEach((d: unknown, i) => {
      if (!isIndex(d)) fail(`${where}: shape[${i}] must be a non-negative integer, found ${describe(d)}`);
    });
    if (!Array.isArray(offsets) || offsets.length !== 2) {
      return fail(`${where}: data_offsets must be [begin, end], found ${describe(offsets)}` +
        (Array.isArray(offsets) ? ` of length ${offsets.length}` : ''));
    }
    const [begin, end] = offsets as unknown[];
    if (!isIndex(begin) || !isIndex(end)) {
      return fail(`${where}: data_offsets must be non-negative integers, found ${JSON.stringify(offsets)}`);
    }
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] are out of order (begin after end)`);
    if (end > dataLen) {
      fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLen} bytes)`);
    }
    const count = elementCount(shape as number[]);
    if (count * size !== end - begin) {
      fail(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${count * size} bytes ` +
        `but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ name, dtype, shape: (shape as number[]).slice(), begin, end });
  }

  // Ranges must not overlap (empty tensors take no bytes and overlap nothing).
  const ranges = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    const a = ranges[i - 1]!;
    const b = ranges[i]!;
    if (b.begin < a.end) {
      fail(`tensor ${q(b.name)}: data_offsets [${b.begin}, ${b.end}] overlap those of tensor ${q(a.name)} ` +
        `[${a.begin}, ${a.end}]`);
    }
  }

  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / ELEMENT_SIZE[e.dtype]!;
    tensors.set(e.name, { shape: e.shape, data: decode(bytes, view, dataStart + e.begin, count, e.dtype) });
  }
  return { tensors, metadata };
}

/**
 * Serializes tensors as a safetensors file: F32 little-endian, names sorted, data packed in name order, the header
 * padded with spaces to a multiple of 8 bytes (as PyTorch's writer in shared/reference/torch_reference.py does, so
 * that the data section starts 8-byte aligned). Throws CheckpointError naming the tensor if a data length does not
 * match its shape, a shape is not non-negative integers, data is not a Float32Array, or a name is "__metadata__";
 * `file`, when given, starts those messages.
 */
export function serializeSafetensors(
  tensors: Map<string, NamedTensor> | Record<string, NamedTensor>,
  metadata?: Record<string, string>,
  file?: string,
): Uint8Array {
  const fail = (what: string): never => {
    throw new CheckpointError(`${file ?? 'cannot write safetensors'}: ${what}`);
  };
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))];
  // Default sort compares UTF-16 code units: the same as Python's sorted() for every name outside the astral planes.
  list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const parts: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(`${METADATA_KEY} key ${q(k)}: expected a string, found ${describe(v)}`);
    }
    parts.push(`${q(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    const where = `tensor ${q(name)}`;
    if (name === METADATA_KEY) fail(`${where} is reserved for metadata and cannot name a tensor`);
    if (!(t?.data instanceof Float32Array)) fail(`${where}: data must be a Float32Array, found ${describe(t?.data)}`);
    if (!Array.isArray(t.shape)) fail(`${where}: shape must be an array, found ${describe(t.shape)}`);
    t.shape.forEach((d, i) => {
      if (!isIndex(d)) fail(`${where}: shape[${i}] must be a non-negative integer, found ${describe(d)}`);
    });
    const count = elementCount(t.shape);
    if (count !== t.data.length) {
      fail(`${where}: shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`);
    }
    const bytes = 4 * count;
    // Key order dtype, shape, data_offsets and no spaces: byte-identical to the reference writer's json.dumps.
    parts.push(`${q(name)}:${JSON.stringify({ dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] })}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const [, { data }] of list) {
    if (HOST_IS_LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i]!, true);
    }
    pos += data.byteLength;
  }
  return out;
}
