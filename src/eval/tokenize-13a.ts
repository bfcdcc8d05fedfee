/**
 * sacreBLEU's default "13a" tokenizer, the rules of WMT's mteval-v13a.pl: drop `<skipped>`, join lines split by a
 * hyphen, unescape four SGML entities, then put spaces around punctuation and symbols, around `.` and `,` unless
 * they sit next to a digit on that side, and after a `-` that follows a digit.
 */
import { splitWhitespace } from "./whitespace.js";

// The symbols mteval splits off everywhere: ASCII 0x20-0x26, 0x28-0x2B, 0x2F, 0x3A-0x40, 0x5B-0x60, 0x7B-0x7E,
// i.e. all ASCII punctuation except the apostrophe, comma, hyphen and period (handled below or kept).
const SYMBOL = /([\x20-\x26\x28-\x2B\x2F\x3A-\x40\x5B-\x60\x7B-\x7E])/gu;
// A period or comma after a non-digit ("end." "a,b") ...
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
// ... or before a non-digit ("3. " ",x"); so only "3.5" and "1,000" keep theirs.
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
// A dash after a digit ("1990-1995" → "1990 - 1995"); other dashes stay inside words ("well-known").
const DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/** Tokenizes one segment as sacreBLEU's `Tokenizer13a` does; tokens are joined by single spaces. */
export function tokenize13a(line: string): string {
  let s = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (s.includes("&")) {
    s = s.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  }
  s = ` ${s} `;
  s = s.replace(SYMBOL, " $1 ");
  s = s.replace(PERIOD_COMMA_AFTER_NON_DIGIT, "$1 $2 ");
  s = s.replace(PERIOD_COMMA_BEFORE_NON_DIGIT, " $1 $2");
  s = s.replace(DASH_AFTER_DIGIT, "$1 $2 ");
  return splitWhitespace(s).join(" ");
}
