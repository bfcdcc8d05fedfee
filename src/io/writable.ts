import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Why `file` cannot be written, or undefined when it can: found by opening it (without truncating a file that is
 * there; a file made for the test is removed again), so that a long job finds out before its work, not after.
 */
export function unwritableReason(file: string): string | undefined {
  try {
    if (fs.existsSync(file)) fs.closeSync(fs.openSync(file, "r+"));
    else {
      fs.closeSync(fs.openSync(file, "wx"));
      fs.rmSync(file);
    }
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    let dir = path.dirname(path.resolve(file));
    while (!fs.existsSync(dir)) dir = path.dirname(dir);
    if (err.code === "ENOTDIR" && !fs.statSync(dir).isDirectory()) return `${dir} is a file, not a folder`;
    if (err.code === "ENOENT" && dir !== path.dirname(path.resolve(file))) return `folder ${path.dirname(file)} does not exist`;
    if (err.code === "EISDIR") return "it is a folder";
    return err.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "");
  }
}
