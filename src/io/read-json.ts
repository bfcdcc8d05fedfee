/** Reading a text or JSON file in Node, with one-line errors that name the file (see json-text.ts). */
import { readFileSync } from "node:fs";
import { type ErrorClass, parseJsonText, reasonOf } from "./json-text.js";

/** The file's text (UTF-8), or an `ErrorClass` saying `FILE: missing` or `FILE: cannot read (reason)`. */
export function readTextFile(file: string, ErrorClass: ErrorClass): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new ErrorClass(`${file}: missing`);
    throw new ErrorClass(`${file}: cannot read (${reasonOf(e)})`);
  }
}

/** The file's JSON value, or an `ErrorClass` saying `FILE: missing`, `FILE: cannot read (...)` or `FILE: not valid JSON (...)`. */
export function readJsonFile(file: string, ErrorClass: ErrorClass): unknown {
  return parseJsonText(readTextFile(file, ErrorClass), file, ErrorClass);
}
