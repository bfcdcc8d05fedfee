/** Plain-text corpora, one example a line (the decoder-only LM corpus): UTF-8 and emptiness checked per line. */
import { DataError, OptionError } from "../errors.js";
import { type BadLine, INVALID_UTF8, isBlank, splitUtf8Lines } from "./text-lines.js";
import type { OnBadRow } from "./tsv.js";

export interface LinesOptions {
  /** "stop": throw a DataError at the first bad line; "skip": leave it out and report it. @default "stop" */
  onBadLine?: OnBadRow;
}

export interface TextLines {
  /** The good lines, in file order. */
  lines: string[];
  /** The 1-based file line of each entry in `lines`. */
  lineNumbers: number[];
  /** How many lines were skipped (always 0 with onBadLine "stop"). */
  skipped: number;
  /** The skipped lines and why. */
  badLines: BadLine[];
}

/** Parses a text file's bytes; `source` names it in errors. Blank lines and invalid UTF-8 are bad lines. */
export function parseLines(bytes: Uint8Array, source: string, opts: LinesOptions = {}): TextLines {
  const onBadLine = opts.onBadLine ?? "stop";
  if (onBadLine !== "stop" && onBadLine !== "skip") {
    throw new OptionError(`onBadLine must be "stop" or "skip", got "${String(onBadLine)}"`);
  }
  const numbered = splitUtf8Lines(bytes);
  if (numbered.every((l) => l.text !== undefined && isBlank(l.text))) {
    throw new DataError(`${source}: file is empty (expected one text example a line)`);
  }
  const out: TextLines = { lines: [], lineNumbers: [], skipped: 0, badLines: [] };
  for (const { line, text } of numbered) {
    const reason = text === undefined ? INVALID_UTF8 : isBlank(text) ? "blank line (expected text)" : undefined;
    if (reason !== undefined) {
      if (onBadLine === "stop") throw new DataError(`${source}:${line}: ${reason}`);
      out.skipped++;
      out.badLines.push({ line, reason });
      continue;
    }
    out.lines.push(text as string);
    out.lineNumbers.push(line);
  }
  return out;
}
