import fs from "node:fs";
import path from "node:path";

/** Whether two paths name one place (as written, resolved against the working folder; links are not followed). */
export function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

/** Whether `p` is a folder (following links); false when it is missing or cannot be looked at. */
export function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
