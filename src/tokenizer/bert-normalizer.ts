/**
 * BERT's text normalization and pre-tokenization, as Hugging Face `tokenizers` runs them (BertNormalizer,
 * BertPreTokenizer): written here because no npm library reproduces the Rust library's character classes, which
 * mix Rust's own (whitespace, lowercasing) with the older tables of its `unicode_categories` crate (control,
 * format, private use, nonspacing marks, punctuation). Where the runtime's Unicode classes differ from those tables
 * (characters they predate), bert-unicode.ts lists the code points, so that each is classed as the Rust library
 * classes it. Browser-safe.
 */
import { rustClass } from "./bert-unicode.js";

export interface BertNormalizerOptions {
  /** Drop control characters (and U+0000, U+FFFD); every whitespace character becomes " ". */
  cleanText: boolean;
  /** Put spaces around CJK ideographs, so that each is a word. */
  handleChineseChars: boolean;
  /** Decompose (NFD) and drop nonspacing marks. */
  stripAccents: boolean;
  lowercase: boolean;
}

const WHITESPACE = /\p{White_Space}/u;
// `unicode_categories`' is_other: Cc, Cf, Co (not Cn, not surrogates)
const OTHER = /[\p{Cc}\p{Cf}\p{Co}]/u;
const MARK_NONSPACING = /\p{Mn}/u;
const PUNCTUATION = /\p{P}/u;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** Rust's char::is_whitespace: the White_Space property (tab, newline and return among them). */
export function isBertWhitespace(ch: string): boolean {
  return WHITESPACE.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === "\t" || ch === "\n" || ch === "\r") return false;
  const cp = ch.codePointAt(0)!;
  return rustClass("other", cp, cp === 0 || cp === 0xfffd || OTHER.test(ch));
}

function isMarkNonspacing(ch: string): boolean {
  return rustClass("mark", ch.codePointAt(0)!, MARK_NONSPACING.test(ch));
}

/** ASCII punctuation (which holds symbols such as $, + and ^) or a Unicode punctuation character. */
export function isBertPunctuation(ch: string): boolean {
  return rustClass("punct", ch.codePointAt(0)!, ASCII_PUNCTUATION.test(ch) || PUNCTUATION.test(ch));
}

/** The CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana, which space their words). */
function isChineseChar(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

/** BertNormalizer: clean, space CJK, strip accents, lowercase, in that order. */
export function bertNormalize(text: string, o: BertNormalizerOptions): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (o.cleanText) {
      if (isControl(ch)) continue;
      if (isBertWhitespace(ch)) {
        out += " ";
        continue;
      }
    }
    out += o.handleChineseChars && isChineseChar(cp) ? ` ${ch} ` : ch;
  }
  if (o.stripAccents) {
    let stripped = "";
    for (const ch of out.normalize("NFD")) if (!isMarkNonspacing(ch)) stripped += ch;
    out = stripped;
  }
  if (o.lowercase) {
    // one character at a time, as Rust's char::to_lowercase: no context, so a final Σ is σ, not ς
    let lower = "";
    for (const ch of out) lower += ch.toLowerCase();
    out = lower;
  }
  return out;
}

/** BertPreTokenizer: words split on whitespace (dropped), then every punctuation character a word of its own. */
export function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  let word = "";
  for (const ch of text) {
    if (isBertWhitespace(ch)) {
      if (word) words.push(word);
      word = "";
    } else if (isBertPunctuation(ch)) {
      if (word) words.push(word);
      words.push(ch);
      word = "";
    } else {
      word += ch;
    }
  }
  if (word) words.push(word);
  return words;
}
