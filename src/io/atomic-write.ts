/**
 * Atomic file replacement: the bytes go to a uniquely named temporary file in the target's folder, are flushed to
 * disk, and the temporary file is renamed over the target (rename within one folder is atomic on POSIX and on
 * NTFS). A reader, or a save interrupted at any point (exception, kill, power loss), sees either the whole old file
 * or the whole new one, never a half-written one. On failure the temporary file is removed and the error rethrown.
 * The bytes may come as pieces, so that a file larger than any one buffer (a checkpoint of gigabytes) can be written.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temporary name beside `target`, hidden, unique per process and call: `.NAME.PID.HEX.tmp`. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\.(.+)\.\d+\.[0-9a-f]{12}\.tmp$/;

/** The name a temporary of tempPathFor's was made for, or null when `name` is not one (left by a killed save). */
export function tempFileTarget(name: string): string | null {
  return TEMP_NAME.exec(name)?.[1] ?? null;
}

/** Permission bits of the file being replaced, so that replacing it keeps them; undefined for a new file. */
function existingMode(target: string): number | undefined {
  try {
    return fs.statSync(target).mode & 0o7777;
  } catch {
    return undefined;
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** The most one write call may take (Node refuses a length of 2 GiB or more). */
const MAX_WRITE = 1 << 30;

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += fs.writeSync(fd, bytes, written, Math.min(bytes.length - written, MAX_WRITE));
  }
}

/** Flushes the folder entry of a rename. Not possible everywhere (Windows cannot open a folder): best effort. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // The rename itself has happened; only its durability across a power loss is not guaranteed here.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes `data` to `target` atomically; see the module comment. A string is written as UTF-8; an iterable of byte
 * pieces is written piece after piece, each before the next is asked for (so a producer may reuse one buffer), and
 * an exception thrown while producing them fails the write like any other.
 */
export function writeFileAtomic(target: string, data: Uint8Array | string | Iterable<Uint8Array>): void {
  const pieces = typeof data === 'string' || data instanceof Uint8Array ? [toBytes(data)] : data;
  const tmp = tempPathFor(target);
  const mode = existingMode(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o666); // 'wx': fail rather than share a name with anything
    if (mode !== undefined) fs.fchmodSync(fd, mode);
    for (const piece of pieces) writeAll(fd, piece);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    throw e;
  }
  fsyncDir(path.dirname(target));
}

/** The asynchronous twin of writeFileAtomic, with the same guarantees. */
export async function writeFileAtomicAsync(target: string, data: Uint8Array | string): Promise<void> {
  const bytes = toBytes(data);
  const tmp = tempPathFor(target);
  const mode = existingMode(target);
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx', 0o666);
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  let dir: FileHandle | undefined;
  try {
    dir = await fsp.open(path.dirname(target), 'r');
    await dir.sync();
  } catch {
    // best effort, as in fsyncDir
  } finally {
    await dir?.close().catch(() => undefined);
  }
}

