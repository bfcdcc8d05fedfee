/** Reading data files from disk in Node (gzip-compressed when the name ends in .gz). */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError } from "../errors.js";
import { type LinesOptions, type TextLines, parseLines } from "./lines.js";
import { type TsvOptions, type TsvTable, parseTsv } from "./tsv.js";

/** The bytes of a data file, gunzipped if its name ends in .gz. */
export function readDataFile(path: string, expected: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? String(err)})`;
    throw new DataError(`${path}: ${what} (expected ${expected})`);
  }
  if (!path.endsWith(".gz")) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataError(`${path}: not a valid gzip file (${(err as Error).message}; expected ${expected}, gzip-compressed since the name ends in .gz)`);
  }
}

/** Reads a TSV file with a header row, picking `opts.columns` by name. */
export function readTsv(path: string, opts: TsvOptions): TsvTable {
  return parseTsv(readDataFile(path, "a TSV file with a header row"), path, opts);
}

/** Reads a plain-text file, one example a line. */
export function readLines(path: string, opts: LinesOptions = {}): TextLines {
  return parseLines(readDataFile(path, "a text file, one example a line"), path, opts);
}
