import { TransformerError } from "../errors.js";

/** A file-system call that failed, as one line naming the path and the reason (errno code included). */
export class FileSystemError extends TransformerError {
  constructor(readonly path: string, readonly code: string | undefined, message: string) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOENT: "no such file or folder",
  EEXIST: "already exists",
  EISDIR: "is a folder",
  ENOTEMPTY: "folder not empty",
  EIO: "input/output error",
  EBUSY: "busy",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  EXDEV: "on another device",
};

/** The reason for an errno code in words, the code kept for searching. */
export function reason(code: string): string {
  return REASONS[code] ? `${REASONS[code]}, ${code}` : code;
}

/** `e` as a FileSystemError when it is a failed system call; anything else (already one line, or a bug) as it is. */
export function fsError(file: string, doing: string, e: unknown): unknown {
  if (e instanceof TransformerError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") return e;
  return new FileSystemError(file, code, `${file}: cannot ${doing} (${reason(code)})`);
}

/** Runs `fn`, turning a failed system call into one FileSystemError line about `file`. */
export function fsCall<T>(file: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fsError(file, doing, e);
  }
}
