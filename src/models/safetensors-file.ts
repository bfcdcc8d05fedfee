/**
 * safetensors files on disk (Node), of any size that fits in memory: the header is read and validated first, then
 * each tensor's bytes are read in bounded pieces into its own float32 array (converted on the way where the file
 * holds another dtype), so that loading needs about the tensors' memory and never a buffer of the whole file.
 * Writing likewise goes out in pieces, atomically. The format itself lives in safetensors.ts, which stays
 * browser-safe.
 */
import fs from 'node:fs';
import { CheckpointError, OptionError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import {
  checkHeaderLength,
  parseSafetensorsHeader,
  planSafetensors,
  safetensorsPieces,
  type LazyTensor,
  type NamedTensor,
  type SafetensorsContents,
  type TensorEntry,
} from './safetensors.js';
import {
  CHUNK_BYTES,
  ELEMENT_SIZE,
  allocateTensor,
  checkLoadedFinite,
  decodeElements,
  isVerbatim,
  q,
  type SafetensorsDtype,
} from './safetensors-data.js';

/** A one-line CheckpointError for a failed file-system call; anything that is not one is rethrown as it is. */
function fileError(file: string, e: unknown, doing: 'read' | 'write'): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return e;
  switch (code) {
    case 'ENOENT':
      return new CheckpointError(
        doing === 'read' ? `${file}: file not found` : `${file}: cannot write, its folder does not exist`,
      );
    case 'EACCES':
    case 'EPERM':
      return new CheckpointError(`${file}: cannot ${doing}, permission denied (${code})`);
    case 'EISDIR':
      return new CheckpointError(`${file}: is a folder, expected a .safetensors file`);
    default:
      return new CheckpointError(`${file}: cannot ${doing} (${code}: ${(e as Error).message})`);
  }
}

/** Reads exactly `length` bytes at `position` into `buf[offset...]`, or throws if the file ends first. */
function readFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number, file: string): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) {
      throw new CheckpointError(`${file}: file ended after ${position + done} bytes while reading; did it change?`);
    }
    done += n;
  }
}

/** Bytes per read or write call: CHUNK_BYTES unless told, rounded down to whole elements of any dtype. */
function pieceBytes(chunkBytes: number | undefined): number {
  if (chunkBytes === undefined) return CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 8) {
    throw new OptionError(`chunkBytes must be an integer of at least 8, found ${chunkBytes}`);
  }
  return chunkBytes - (chunkBytes % 8);
}

/** How readSafetensors reads. */
export interface ReadSafetensorsOptions {
  /** Bytes per read call, and so the size of the one staging buffer a converted dtype needs; 64 MiB by default. */
  chunkBytes?: number;
}

/** The validated header of an open file: its entries and metadata, and where the data section starts. */
function readHeader(fd: number, path: string): { entries: TensorEntry[]; metadata: Record<string, string>; dataStart: number } {
  const stat = fs.fstatSync(fd);
  if (stat.isDirectory()) throw new CheckpointError(`${path}: is a folder, expected a .safetensors file`);
  const size = stat.size;
  const prefix = new Uint8Array(Math.min(8, size));
  readFully(fd, prefix, 0, prefix.length, 0, path);
  const headerLen = checkHeaderLength(prefix, size, path);
  const headerBytes = new Uint8Array(headerLen);
  readFully(fd, headerBytes, 0, headerLen, 8, path);
  const dataStart = 8 + headerLen;
  return { ...parseSafetensorsHeader(headerBytes, size - dataStart, path), dataStart };
}

/** The staging buffer the converted dtypes of `entries` need (none for F32 alone). */
function stagingFor(entries: readonly TensorEntry[], step: number): Uint8Array {
  const converted = entries.reduce((most, e) => (isVerbatim(e.dtype) ? most : Math.max(most, e.end - e.begin)), 0);
  return new Uint8Array(Math.min(step, converted));
}

/** Reads one tensor's bytes in pieces into `data` (its element count), converting and checking them on the way. */
function readEntry(fd: number, path: string, e: TensorEntry, dataStart: number, step: number, staging: Uint8Array, data: Float32Array): void {
  const bytes = e.end - e.begin;
  const elementSize = ELEMENT_SIZE[e.dtype];
  for (let off = 0; off < bytes; off += step) {
    const length = Math.min(step, bytes - off);
    const position = dataStart + e.begin + off;
    let raw: Uint8Array;
    if (isVerbatim(e.dtype)) {
      raw = new Uint8Array(data.buffer, data.byteOffset + off, length); // straight into the tensor's memory
      readFully(fd, raw, 0, length, position, path);
    } else {
      raw = staging.subarray(0, length);
      readFully(fd, raw, 0, length, position, path);
      decodeElements(raw, e.dtype, data, off / elementSize);
    }
    checkLoadedFinite(path, e.name, e.dtype, raw, data, off / elementSize);
  }
}

/** Opens `path` for reading, runs `use`, and closes it; file-system failures become one CheckpointError line. */
function withFile<T>(path: string, use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fileError(path, e, 'read');
  }
  try {
    return use(fd);
  } catch (e) {
    throw fileError(path, e, 'read');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads and validates a safetensors file; every tensor comes back as float32 (F16, BF16 and F64 converted). The
 * header is validated in full (see parseSafetensorsHeader) against the file's size before any tensor is allocated,
 * so a file that claims more than it holds is refused having read only its header. Throws CheckpointError for a
 * missing or unreadable file, anything the header check refuses, and a tensor holding a NaN or ±inf.
 */
export function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): SafetensorsContents {
  const step = pieceBytes(options.chunkBytes);
  return withFile(path, (fd) => {
    const { entries, metadata, dataStart } = readHeader(fd, path);
    const staging = stagingFor(entries, step); // one for the whole file
    const tensors = new Map<string, NamedTensor>();
    for (const e of entries) {
      const data = allocateTensor(path, e.name, (e.end - e.begin) / ELEMENT_SIZE[e.dtype]);
      readEntry(fd, path, e, dataStart, step, staging, data);
      tensors.set(e.name, { shape: e.shape, data });
    }
    return { tensors, metadata };
  });
}

/**
 * A safetensors file's tensors, each read only when asked for (see LazyTensor): the header is read and validated
 * now, the data when `readInto` or `data` is used, so that loading a model needs its own memory and one tensor's
 * at most, not a second copy of the file. Errors as readSafetensors', at the read that meets them.
 */
export function readSafetensorsLazily(path: string, options: ReadSafetensorsOptions = {}): { tensors: Map<string, LazyTensor>; metadata: Record<string, string> } {
  const step = pieceBytes(options.chunkBytes);
  const { entries, metadata, dataStart } = withFile(path, (fd) => readHeader(fd, path));
  const tensors = new Map<string, LazyTensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / ELEMENT_SIZE[e.dtype];
    const readInto = (dest: Float32Array): void => {
      if (dest.length !== count) throw new Error(`readInto: ${q(e.name)} has ${count} elements, the destination ${dest.length}`);
      withFile(path, (fd) => readEntry(fd, path, e, dataStart, step, stagingFor([e], step), dest));
    };
    tensors.set(e.name, {
      shape: e.shape,
      readInto,
      get data(): Float32Array {
        const data = allocateTensor(path, e.name, count);
        readInto(data);
        return data;
      },
    });
  }
  return { tensors, metadata };
}

/** How writeSafetensors writes. */
export interface WriteSafetensorsOptions {
  /** The dtype every tensor is stored as (see SafetensorsWriteOptions.dtype); F32 by default. */
  dtype?: SafetensorsDtype;
  /** Bytes per write call, and so the size of the staging buffer F16 and BF16 need; 64 MiB by default. */
  chunkBytes?: number;
}

/**
 * Writes tensors as a safetensors file (layout and checks as planSafetensors) atomically, in pieces: an interrupted
 * save leaves the previous file, if any, untouched, and no size is too large to write. Every tensor is checked
 * (shape, finite values, no overflow of the dtype) before anything is written. Throws CheckpointError naming the
 * file for an invalid tensor or a failed write.
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, NamedTensor> | Record<string, NamedTensor>,
  metadata?: Record<string, string>,
  options: WriteSafetensorsOptions = {},
): void {
  const step = pieceBytes(options.chunkBytes);
  const plan = planSafetensors(tensors, metadata, { file: path, dtype: options.dtype });
  try {
    writeFileAtomic(path, safetensorsPieces(plan, step));
  } catch (e) {
    throw fileError(path, e, 'write');
  }
}
