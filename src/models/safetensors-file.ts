/**
 * safetensors files on disk (Node): read with the header length checked before the file is read in full, written
 * atomically. The format itself lives in safetensors.ts, which stays browser-safe.
 */
import fs from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { CheckpointError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import {
  checkHeaderLength,
  parseSafetensors,
  serializeSafetensors,
  type NamedTensor,
  type SafetensorsContents,
} from './safetensors.js';

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

/**
 * Reads and validates a safetensors file (see parseSafetensors); every tensor comes back as float32. Throws
 * CheckpointError for a missing or unreadable file, and for a header length past the end of the file before the
 * rest of the file is read.
 */
export function readSafetensors(path: string): SafetensorsContents {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fileError(path, e, 'read');
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new CheckpointError(`${path}: is a folder, expected a .safetensors file`);
    const size = stat.size;
    const prefix = new Uint8Array(Math.min(8, size));
    readFully(fd, prefix, 0, prefix.length, 0, path);
    checkHeaderLength(prefix, size, path);
    if (size > bufferConstants.MAX_LENGTH) {
      throw new CheckpointError(`${path}: ${size} bytes, more than one buffer can hold here (${bufferConstants.MAX_LENGTH})`);
    }
    const bytes = new Uint8Array(size);
    bytes.set(prefix);
    readFully(fd, bytes, 8, size - 8, 8, path);
    return parseSafetensors(bytes, path);
  } catch (e) {
    throw fileError(path, e, 'read');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes tensors as a float32 safetensors file (see serializeSafetensors) atomically: an interrupted save leaves the
 * previous file, if any, untouched. Throws CheckpointError naming the file for an invalid tensor or a failed write.
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, NamedTensor> | Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): void {
  const bytes = serializeSafetensors(tensors, metadata, path);
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
    throw fileError(path, e, 'write');
  }
}
