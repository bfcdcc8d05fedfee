/**
 * Putting an existing file in place under another name, atomically: a hard link where the file system has them,
 * else a flushed copy, then a rename (see atomic-write.ts). How a run publishes a committed checkpoint.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from 'node:fs';
import { tempPathFor } from './atomic-write.js';

/** Errors of linkSync that mean "no hard links here" rather than a failure: copy instead. */
const NO_LINKS = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

/**
 * Makes `target` (a new name) hold the bytes of `src`: a hard link where the file system has them (nothing is
 * copied; both names stay valid, since files are only ever replaced by rename, never written in place), else a
 * flushed copy.
 */
export function linkOrCopy(src: string, target: string): void {
  try {
    fs.linkSync(src, target);
    return;
  } catch (e) {
    if (!NO_LINKS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  fs.copyFileSync(src, target, fs.constants.COPYFILE_EXCL);
  const fd = fs.openSync(target, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether two names are links to one file. */
function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

/**
 * Replaces `target` by the file `src` atomically, as writeFileAtomic does for bytes (the folder is not flushed: the
 * caller does it once). A `target` already linked to `src` is left as it is: rename between two links to one file
 * does nothing (POSIX), which would leave the temporary behind.
 */
export function placeFileAtomic(src: string, target: string): void {
  if (sameFile(src, target)) return;
  const tmp = tempPathFor(target);
  try {
    linkOrCopy(src, tmp);
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw e;
  }
}
