/**
 * Tab-separated corpora with a header row: columns are picked by name, every row is checked (field count, UTF-8,
 * empty cells), and bad rows either stop the read with a one-line DataError naming file:line, or are skipped and
 * reported. Quotes have no meaning (fields cannot contain tabs or newlines).
 */
import { DataError, OptionError } from "../errors.js";
import { type BadLine, INVALID_UTF8, isBlank, splitUtf8Lines } from "./text-lines.js";

export type OnBadRow = "stop" | "skip";

export interface TsvOptions {
  /** Header names of the columns to return, in this order (e.g. ["english", "spanish"], ["text", "label"]). */
  columns: readonly string[];
  /** "stop": throw a DataError at the first bad row; "skip": leave it out and report it. @default "stop" */
  onBadRow?: OnBadRow;
}

export interface TsvTable {
  /** The header's column names, as in the file. */
  header: string[];
  /** One entry per good row: its cells for `columns`, in that order. */
  rows: string[][];
  /** The 1-based file line of each row in `rows`. */
  lineNumbers: number[];
  /** How many data rows were skipped (always 0 with onBadRow "stop"). */
  skipped: number;
  /** The skipped rows and why. */
  badRows: BadLine[];
}

/** Parses a TSV file's bytes; `source` names it in errors (a path, or a file name in a browser). */
export function parseTsv(bytes: Uint8Array, source: string, opts: TsvOptions): TsvTable {
  const onBadRow = opts.onBadRow ?? "stop";
  if (onBadRow !== "stop" && onBadRow !== "skip") {
    throw new OptionError("onBadRow", `must be "stop" or "skip", got "${String(onBadRow)}"`);
  }
  if (opts.columns.length === 0) throw new OptionError("TSV: no columns requested (expected at least one name)");
  const lines = splitUtf8Lines(bytes);
  const first = lines[0];
  if (first === undefined || lines.every((l) => l.text !== undefined && isBlank(l.text))) {
    throw new DataError(`${source}: file is empty (expected a header row naming the columns ${opts.columns.join(", ")})`);
  }
  if (first.text === undefined) throw new DataError(`${source}:1: header has ${INVALID_UTF8}`);
  const header = first.text.split("\t").map((h) => h.trim());
  const picks = opts.columns.map((name) => {
    const found = header.indexOf(name);
    if (found === -1) {
      throw new DataError(`${source}:1: header has no column "${name}" (found: ${header.join(", ")})`);
    }
    if (header.indexOf(name, found + 1) !== -1) {
      throw new DataError(`${source}:1: header names column "${name}" twice (expected unique names)`);
    }
    return found;
  });

  const table: TsvTable = { header, rows: [], lineNumbers: [], skipped: 0, badRows: [] };
  for (let i = 1; i < lines.length; i++) {
    const { line, text } = lines[i];
    const reason = text === undefined ? INVALID_UTF8 : checkRow(text, header, picks);
    if (reason !== undefined) {
      if (onBadRow === "stop") throw new DataError(`${source}:${line}: ${reason}`);
      table.skipped++;
      table.badRows.push({ line, reason });
      continue;
    }
    const fields = (text as string).split("\t");
    table.rows.push(picks.map((p) => fields[p]));
    table.lineNumbers.push(line);
  }
  if (table.rows.length === 0) {
    const firstBad = table.badRows[0];
    throw new DataError(firstBad === undefined
      ? `${source}: header but no data rows (expected at least one row after line 1)`
      : `${source}: no usable rows, all ${table.skipped} are bad (first at line ${firstBad.line}: ${firstBad.reason})`);
  }
  return table;
}

/** Why a data row is bad, or undefined when it is good. */
function checkRow(text: string, header: readonly string[], picks: readonly number[]): string | undefined {
  if (isBlank(text)) return `blank line (expected ${header.length} tab-separated fields)`;
  const fields = text.split("\t");
  if (fields.length !== header.length) {
    return `${fields.length} tab-separated field${fields.length === 1 ? "" : "s"} (expected ${header.length}, as in the header)`;
  }
  for (const p of picks) {
    if (isBlank(fields[p])) return `empty "${header[p]}" cell (expected text)`;
  }
  return undefined;
}
