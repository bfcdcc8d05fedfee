/**
 * The safetensors format (https://github.com/huggingface/safetensors): the header, and whole files read and
 * written in memory. Browser-safe: no Node imports, only Uint8Array/ArrayBuffer/DataView. The Node reader and writer
 * (safetensors-file.ts) use the same header code and move the data in pieces, for files of any size.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON mapping each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the first byte after the header), with an
 * optional "__metadata__": {string: string}; then the data section. The header may be padded with spaces.
 *
 * The reader treats the file as hostile: every number in the header is checked before it is used, and each
 * failure is a one-line CheckpointError that starts with the file name. Tensors come back as fresh float32 arrays
 * (F16, BF16 and F64 are converted), never as views into the file, so the file's alignment does not matter.
 * A checkpoint holds finite weights: a NaN or ±inf is refused when read and before anything is written (so a
 * diverged run cannot save NaN weights over a good checkpoint), as is a value too large for the dtype written.
 */
import { CheckpointError } from '../errors.js';
import {
  CHUNK_BYTES,
  ELEMENT_SIZE,
  allocateTensor,
  checkLoadedFinite,
  checkStorable,
  decodeElements,
  encodeElements,
  isStoredDtype,
  isVerbatim,
  q,
  type SafetensorsDtype,
  type StoredDtype,
} from './safetensors-data.js';

export type { SafetensorsDtype } from './safetensors-data.js';

/** A tensor as stored in a checkpoint: row-major float32 data of the given shape (`[]` is a scalar). */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * A tensor not yet read (Node's readSafetensorsLazily, or a mapping of one): `readInto` fills a destination of
 * its size with no copy of its own; `data` reads (or computes) a fresh array at each use.
 */
export interface LazyTensor extends NamedTensor {
  readInto(dest: Float32Array): void;
}

export function isLazyTensor(t: NamedTensor): t is LazyTensor {
  return typeof (t as Partial<LazyTensor>).readInto === 'function';
}

/** What a safetensors file holds: its tensors by name, in header order, and its `__metadata__` strings. */
export interface SafetensorsContents {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';

/** The largest header accepted, as in the reference implementation: a bound on what a hostile file makes us read. */
const MAX_HEADER_BYTES = 100_000_000;

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

/**
 * Checks the start of a safetensors file of `fileSize` bytes (`prefix` holds at least its first 8 bytes when the
 * file has them) and returns the header length N. Throws CheckpointError if the file is shorter than 8 bytes, if
 * 8 + N is past its end, or if N is past MAX_HEADER_BYTES. Needs nothing but those 8 bytes, so a reader can refuse
 * a bad file before reading more.
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
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(`${file}: header claims ${headerLen} bytes, more than the ${MAX_HEADER_BYTES} a safetensors header may have`);
  }
  return Number(headerLen); // ≤ afterLength, so exact
}

/** One tensor's entry in a validated header: its place in the data section and what it holds. */
export interface TensorEntry {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  /** Byte offsets in the data section (after the header), end exclusive. */
  begin: number;
  end: number;
}

/** A validated header: the tensors in header order and the `__metadata__` strings. */
export interface SafetensorsHeader {
  entries: TensorEntry[];
  metadata: Record<string, string>;
}

/**
 * Parses and validates the JSON header of a safetensors file whose data section holds `dataLength` bytes. `file`
 * names it in error messages. Throws CheckpointError for a header that is not a UTF-8 JSON object, an entry with a
 * missing or mistyped field, a dtype other than F32, F16, BF16 and F64, a shape that is not non-negative integers,
 * offsets out of order or past the end, a byte length that does not match the shape, a name given twice, or tensors
 * that do not cover the data section exactly (a gap, an overlap, or bytes after the last one): as the reference
 * implementation does, so that a truncated or padded file is never taken for a whole one. Needs only the header's
 * bytes and the file's size, so a reader can refuse a bad file before it allocates anything for the tensors.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, dataLength: number, file: string): SafetensorsHeader {
  const fail = (what: string): never => {
    throw new CheckpointError(`${file}: ${what}`);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    return fail(`header (${headerBytes.length} bytes) is not valid UTF-8`);
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
  const entries: TensorEntry[] = [];
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
    if (!isStoredDtype(dtype)) return fail(`${where} has dtype ${q(dtype)}; only F32, F16, BF16, F64 and BOOL are supported`);
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
    if (end > dataLength) {
      fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`);
    }
    const count = elementCount(shape as number[]);
    if (count * ELEMENT_SIZE[dtype] !== end - begin) {
      fail(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${count * ELEMENT_SIZE[dtype]} bytes ` +
        `but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ name, dtype, shape: (shape as number[]).slice(), begin, end });
  }

  // In offset order, each tensor starts where the one before it ends, and the last ends where the file does.
  const packed = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: TensorEntry | undefined;
  for (const e of packed) {
    if (e.begin !== at) {
      fail(`tensor ${q(e.name)}: data_offsets [${e.begin}, ${e.end}] should start at ${at}, ` +
        (previous ? `where tensor ${q(previous.name)} [${previous.begin}, ${previous.end}] ends` : 'the start of the data section') +
        ' (tensors must be packed without gaps or overlaps)');
    }
    at = e.end;
    previous = e;
  }
  if (at !== dataLength) {
    fail(`the data section has ${dataLength} bytes but its tensors end at byte ${at}` +
      ` (${dataLength - at} bytes after the last one: a file padded or written over?)`);
  }
  return { entries, metadata };
}

/**
 * Parses a safetensors file held in memory (the browser's way; Node reads files with readSafetensors, in pieces).
 * `file` names it in error messages. Throws CheckpointError on anything parseSafetensorsHeader refuses, a short
 * file or a header length past its end, and a tensor holding a NaN or ±inf (a checkpoint holds finite weights).
 */
export function parseSafetensors(input: Uint8Array | ArrayBuffer, file: string): SafetensorsContents {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const headerLen = checkHeaderLength(bytes, bytes.length, file);
  const dataStart = 8 + headerLen;
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, file);
  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const data = allocateTensor(file, e.name, raw.length / ELEMENT_SIZE[e.dtype]);
    decodeElements(raw, e.dtype, data, 0);
    checkLoadedFinite(file, e.name, e.dtype, raw, data, 0);
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** How to write a safetensors file. */
export interface SafetensorsWriteOptions {
  /** Names the file in error messages. */
  file?: string;
  /**
   * The dtype every tensor is stored as: F32 (default, exact), or F16 / BF16 (half the bytes; values rounded to
   * nearest even as PyTorch's `.half()` / `.bfloat16()` do).
   */
  dtype?: SafetensorsDtype;
}

/** A validated file to be written: its size, and its bytes as pieces (see safetensorsPieces). */
export interface SafetensorsPlan {
  byteLength: number;
  /** The 8-byte length and the padded JSON header. */
  header: Uint8Array;
  dtype: SafetensorsDtype;
  /** In the order of the data section. */
  tensors: [string, NamedTensor][];
}

/**
 * Validates tensors and metadata for writing and lays out the file: names sorted, data packed in name order, the
 * header padded with spaces to a multiple of 8 bytes (as PyTorch's writer in shared/reference/torch_reference.py
 * does, so that the data section starts 8-byte aligned, and the F32 bytes are identical to its). Throws
 * CheckpointError naming the tensor if a data length does not match its shape, a shape is not non-negative
 * integers, data is not a Float32Array, a name is "__metadata__", a value is NaN or ±inf, or a value overflows the
 * dtype (past 65504 for F16): all before a byte is written.
 */
export function planSafetensors(
  tensors: Map<string, NamedTensor> | Record<string, NamedTensor>,
  metadata: Record<string, string> | undefined,
  options: SafetensorsWriteOptions = {},
): SafetensorsPlan {
  const file = options.file ?? 'cannot write safetensors';
  const dtype = options.dtype ?? 'F32';
  const fail = (what: string): never => {
    throw new CheckpointError(`${file}: ${what}`);
  };
  if (!['F32', 'F16', 'BF16'].includes(dtype)) fail(`cannot write dtype ${q(String(dtype))}; expected F32, F16 or BF16`);
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
    checkStorable(file, name, t.data, dtype);
    const bytes = ELEMENT_SIZE[dtype] * count;
    // Key order dtype, shape, data_offsets and no spaces: byte-identical to the reference writer's json.dumps.
    parts.push(`${q(name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, offset + bytes] })}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + headerLen);
  new DataView(header.buffer).setBigUint64(0, BigInt(headerLen), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { byteLength: header.length + offset, header, dtype, tensors: list };
}

/**
 * The bytes of a planned file, in order, in pieces of at most `chunkBytes`: the header, then each tensor's data.
 * A piece is a view of a tensor's own memory where no conversion is needed, otherwise one staging buffer reused for
 * every piece, so each must be consumed (written, copied) before the next is asked for.
 */
export function* safetensorsPieces(plan: SafetensorsPlan, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  yield plan.header;
  const size = ELEMENT_SIZE[plan.dtype];
  const perPiece = Math.max(1, Math.floor(chunkBytes / size));
  let largest = 0;
  for (const [, t] of plan.tensors) largest = Math.max(largest, t.data.length);
  const staging = new Uint8Array(isVerbatim(plan.dtype) ? 0 : size * Math.min(perPiece, largest));
  for (const [, { data }] of plan.tensors) {
    for (let from = 0; from < data.length; from += perPiece) {
      yield encodeElements(data, from, Math.min(perPiece, data.length - from), plan.dtype, staging);
    }
  }
}

/**
 * Serializes tensors as a safetensors file in memory (see planSafetensors for the layout and what is refused).
 * `options` is the file name for messages (the older form) or SafetensorsWriteOptions.
 */
export function serializeSafetensors(
  tensors: Map<string, NamedTensor> | Record<string, NamedTensor>,
  metadata?: Record<string, string>,
  options?: string | SafetensorsWriteOptions,
): Uint8Array {
  const plan = planSafetensors(tensors, metadata, typeof options === 'string' ? { file: options } : options);
  const out = new Uint8Array(plan.byteLength);
  let pos = 0;
  for (const piece of safetensorsPieces(plan)) {
    out.set(piece, pos);
    pos += piece.length;
  }
  return out;
}
