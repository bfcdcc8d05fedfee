/**
 * Whitespace exactly as Python's `str.split()` / `str.rstrip()` see it (the characters for which `str.isspace()`
 * is true), so that tokenization and character n-grams match sacreBLEU. JavaScript's `\s` differs: it lacks
 * U+001C..U+001F and U+0085 and adds U+FEFF.
 */
const PY_SPACE_CLASS = "[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";

const PY_SPACE_RUN = new RegExp(`${PY_SPACE_CLASS}+`, "u");
const PY_SPACE_RUN_GLOBAL = new RegExp(`${PY_SPACE_CLASS}+`, "gu");
const PY_TRAILING_SPACE = new RegExp(`${PY_SPACE_CLASS}+$`, "u");

/** Python's `s.split()`: words between runs of whitespace, no empty strings. */
export function splitWhitespace(s: string): string[] {
  return s.split(PY_SPACE_RUN).filter((w) => w.length > 0);
}

/** Python's `s.rstrip()`. */
export function rstripWhitespace(s: string): string {
  return s.replace(PY_TRAILING_SPACE, "");
}

/** Python's `''.join(s.split())`: the string with every whitespace character removed. */
export function removeWhitespace(s: string): string {
  return s.replace(PY_SPACE_RUN_GLOBAL, "");
}
