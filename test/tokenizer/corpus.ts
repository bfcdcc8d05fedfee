/** Test helpers: verses of the bundled Bible corpus, and the two Hugging Face libraries used as oracles. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";

const dataDir = new URL("../../../data/bible/", import.meta.url); // from dist/test/tokenizer/

/** The english and spanish columns of data/bible/<name> (gzipped TSV with header `ref english spanish`). */
export function bibleVerses(name: string, limit = Infinity): Array<{ english: string; spanish: string }> {
  const lines = gunzipSync(readFileSync(new URL(name, dataDir))).toString("utf8").split("\n");
  const out: Array<{ english: string; spanish: string }> = [];
  for (const line of lines.slice(1)) {
    if (out.length >= limit) break;
    if (line === "") continue;
    const [, english, spanish] = line.split("\t");
    out.push({ english: english!, spanish: spanish! });
  }
  return out;
}

/** Both sides of the first `limit` verse pairs, as one list of texts. */
export function bibleTexts(name: string, limit = Infinity): string[] {
  return bibleVerses(name, limit).flatMap((v) => [v.english, v.spanish]);
}

/** Hugging Face's Rust binding (CommonJS). */
export const hfRust = createRequire(import.meta.url)("tokenizers") as typeof import("tokenizers");

/** Strings that stress pre-tokenization and UTF-8 handling. */
export const TRICKY = [
  "",
  " ",
  "   ",
  "a  b   c",
  "\n",
  "line one\nline two\n\nthree",
  "a\r\nb\tc",
  "héllo wörld, ñandú über café",
  "¿Qué pasó? ¡Sí, señor!",
  "Él dijo: «no».",
  "It's 2024: 3.14 dogs' bones, we'll see, I'd've",
  "DON'T don't 'tis",
  "emoji 👍🏽 and family 👨‍👩‍👧 ok",
  "🎉🎉🎉",
  "  leading and trailing  ",
  "日本語のテキスト",
  "مرحبا بالعالم",
  "...!!!???---",
  "ℕ ½ ² ①",
  "e\u0301 vs é",
  "\u00a0nbsp\u3000ideographic\u2028ls\u2029ps",
  "Genesis 1:1 In the beginning",
];

/** A small seeded generator of numbers in [0, 1) (mulberry32), so that random tests reproduce. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
