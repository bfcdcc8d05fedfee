import assert from "node:assert/strict";
import { test } from "node:test";
import { BYTE_TO_CHAR, CHAR_TO_BYTE, byteLevelSpelling, tokenBytes, utf8Text } from "../../src/tokenizer/byte-level.js";
import { hfRust } from "./corpus.js";

test("the byte alphabet is Hugging Face's", () => {
  assert.deepEqual([...BYTE_TO_CHAR].sort(), [...hfRust.byteLevelAlphabet()].sort());
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  // GPT-2's well-known spellings: space, newline, tab; printable ASCII stands for itself.
  assert.equal(BYTE_TO_CHAR[0x20], "Ġ");
  assert.equal(BYTE_TO_CHAR[0x0a], "Ċ");
  assert.equal(BYTE_TO_CHAR[0x09], "ĉ");
  assert.equal(BYTE_TO_CHAR[0x41], "A");
  for (let b = 0; b < 256; b++) assert.equal(CHAR_TO_BYTE.get(BYTE_TO_CHAR[b]!), b);
});

test("byte-level spelling matches Hugging Face's pre-tokenizer output", () => {
  const pre = hfRust.byteLevelPreTokenizer(false, false); // no regex: the whole string, spelled
  for (const s of [" día", "ñ\n", "👍"]) assert.equal(byteLevelSpelling(s), pre.preTokenizeString(s)[0]![0]);
  assert.deepEqual(tokenBytes(byteLevelSpelling("añ 👍")), new TextEncoder().encode("añ 👍"));
  assert.equal(tokenBytes("a\u4e00"), undefined);
});

test("decoding bytes keeps a leading BOM and replaces invalid UTF-8 with U+FFFD", () => {
  assert.equal(utf8Text(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "\ufeffa");
  assert.equal(utf8Text(new Uint8Array([0x61, 0xc3])), "a\ufffd");
  assert.equal(utf8Text(new Uint8Array([0xf0, 0x9f, 0x91, 0x62])), "\ufffdb");
});
