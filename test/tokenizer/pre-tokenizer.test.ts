import assert from "node:assert/strict";
import { test } from "node:test";
import { byteLevelSpelling } from "../../src/tokenizer/byte-level.js";
import { AddedTokenSplitter, preTokenize } from "../../src/tokenizer/pre-tokenizer.js";
import { TRICKY, hfRust } from "./corpus.js";

const rustPre = hfRust.byteLevelPreTokenizer(false, true);
const rustWords = (s: string) => rustPre.preTokenizeString(s).map((p) => p[0]);
const ourWords = (s: string) => preTokenize(s).map(byteLevelSpelling);

test("GPT-2 split of ordinary text", () => {
  assert.deepEqual(preTokenize("Hello, world! It's 42  ok\n"), ["Hello", ",", " world", "!", " It", "'s", " 42", " ", " ok", "\n"]);
  assert.deepEqual(preTokenize(""), []);
});

test("words concatenate back to the text", () => {
  for (const s of TRICKY) assert.equal(preTokenize(s).join(""), s);
});

test("split matches tokenizers (Rust) on tricky strings", () => {
  for (const s of TRICKY) assert.deepEqual(ourWords(s), rustWords(s), JSON.stringify(s));
});

test("split matches tokenizers (Rust) where JavaScript's \\s and Unicode tables differ from Oniguruma's", () => {
  // U+0085 is White_Space but not JS \s; U+FEFF is JS \s but not White_Space; U+0C5C, U+10940 are Unicode 17
  // letters that Oniguruma (Unicode 16) sees as unassigned; U+1E5D0 is a Unicode 16 letter.
  for (const c of ["\u0085", "\ufeff", "\u0c5c", "\u{10940}", "\u{1e5d0}", "\u00a0", "\u3000", "\u2028", "\u180e"]) {
    const s = `a${c}a ${c}1${c}${c} ${c} x${c}\n${c}  ${c}b`;
    assert.deepEqual(ourWords(s), rustWords(s), `U+${c.codePointAt(0)!.toString(16)}`);
  }
});

test("split matches tokenizers (Rust) on a sample of all code points", () => {
  // Every 7th code point of planes 0-3 (a full sweep agrees too, but takes a minute), in batches of 256.
  const sample: number[] = [];
  for (let cp = 0; cp < 0x40000; cp += 7) if (cp < 0xd800 || cp > 0xdfff) sample.push(cp);
  for (let i = 0; i < sample.length; i += 256) {
    const s = sample.slice(i, i + 256).map((cp) => { const c = String.fromCodePoint(cp); return `a${c}a ${c}1${c}${c} ${c} x`; }).join("");
    assert.deepEqual(ourWords(s), rustWords(s), `batch from U+${sample[i]!.toString(16)}`);
  }
});

test("added tokens are cut out leftmost-longest, anywhere in the text", () => {
  const splitter = new AddedTokenSplitter([
    { content: "ab", id: 10 },
    { content: "abc", id: 11 },
    { content: "<s>", id: 1 },
  ]);
  assert.deepEqual(splitter.split("xabcab<s>y<s"), ["x", 11, 10, 1, "y<s"]);
  assert.deepEqual(splitter.split(""), []);
  assert.deepEqual(new AddedTokenSplitter([]).split("abc"), ["abc"]);
});
