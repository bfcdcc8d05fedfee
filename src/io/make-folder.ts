/**
 * Output folders: created one missing component at a time and probed with a real write, so that a bad --out fails
 * at once, in one line, before any work. Node's recursive mkdir is not used: where a file system answers ENOENT
 * for a folder whose parent exists (/proc) it retries forever.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { FileSystemError, fsCall, fsError, reason } from "./fs-error.js";
import { tempPathFor } from "./atomic-write.js";

/** The probe's name (a temporary of atomic-write's pattern, so that a run folder's cleaning knows it). */
export const PROBE_NAME = "write-probe";

/** `dir` and its parents as the caller wrote them ("runs", "runs/x"; "/", "/proc", "/proc/x"). */
function prefixes(dir: string): string[] {
  const norm = path.normalize(dir);
  const out: string[] = [];
  for (let p = norm; ; p = path.dirname(p)) {
    out.unshift(p);
    if (path.dirname(p) === p || path.dirname(p) === ".") break;
  }
  return out;
}

/** Creates `dir` and its missing parents; returns the folders created, outermost first. */
export function makeFolder(dir: string): string[] {
  const created: string[] = [];
  for (const p of prefixes(dir)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(p, "use it as a folder", e);
    }
    if (st) {
      if (!st.isDirectory()) throw new FileSystemError(p, "ENOTDIR", `${p}: is a file, not a folder`);
      continue;
    }
    try {
      fs.mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code !== "string") throw e;
      if (code === "EEXIST" && fs.statSync(p).isDirectory()) continue; // made meanwhile by someone else
      // ENOENT although the parent exists: a special file system (/proc) that holds no folders of ours
      const why = code === "ENOENT" ? "this file system does not allow it, ENOENT" : reason(code);
      throw new FileSystemError(p, code, `${p}: cannot create the folder (${why})`);
    }
    created.push(p);
  }
  return created;
}

/** Writes, flushes and removes a small file of our own in `dir`: fails like a real save would (EROFS, EACCES, ENOSPC). */
export function probeWritable(dir: string): void {
  const file = tempPathFor(path.join(dir, PROBE_NAME));
  fsCall(dir, "write in this folder", () => {
    const fd = fs.openSync(file, "wx");
    try {
      fs.writeSync(fd, "probe\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
      fs.unlinkSync(file);
    }
  });
}
