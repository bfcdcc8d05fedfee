/**
 * Bytes → numbered text lines, for data files read here or in a browser: split on LF (CRLF accepted), decode each
 * line as strict UTF-8 so that a bad byte is reported with its line number, drop a leading byte-order mark.
 */

/** One line of a data file: its 1-based number and text, or `undefined` text where its bytes are not UTF-8. */
export interface NumberedLine {
  line: number;
  text: string | undefined;
}

/** A line that was rejected, with why (one line: what is wrong and what was expected). */
export interface BadLine {
  line: number;
  reason: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LF = 0x0a;
const CR = 0x0d;

/** Splits `bytes` into lines; a final newline does not start another line. */
export function splitUtf8Lines(bytes: Uint8Array): NumberedLine[] {
  const out: NumberedLine[] = [];
  let start = 0;
  let line = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    const next = end === -1 ? bytes.length : end + 1;
    if (end === -1) end = bytes.length;
    const stop = end > start && bytes[end - 1] === CR ? end - 1 : end;
    let text: string | undefined;
    try {
      text = decoder.decode(bytes.subarray(start, stop));
    } catch {
      text = undefined;
    }
    if (line === 1 && text !== undefined && text.startsWith("\uFEFF")) text = text.slice(1);
    out.push({ line, text });
    start = next;
    line++;
  }
  return out;
}

/** True when the text has nothing but whitespace. */
export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

export const INVALID_UTF8 = "invalid UTF-8 bytes (expected UTF-8 text)";
