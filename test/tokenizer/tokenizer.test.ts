import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenizerError } from "../../src/errors.js";
import { Tokenizer, SPECIAL_TOKENS } from "../../src/tokenizer/index.js";
import { TRICKY, bibleTexts, seededRandom } from "./corpus.js";

const tok = Tokenizer.train(bibleTexts("web-sparv.train.tsv.gz", 800), { vocabSize: 1200 });

/** Random well-formed strings: ASCII, Latin, spaces and newlines, CJK, combining marks, emoji and ZWJ. */
function randomStrings(count: number): string[] {
  const rnd = seededRandom(42);
  const pools = [[0x20, 0x7e], [0xa0, 0x17f], [0x300, 0x36f], [0x4e00, 0x4e80], [0x1f300, 0x1f64f], [0x200d, 0x200d], [0x09, 0x0d], [0x10000, 0x10ffff]];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let n = Math.floor(rnd() * 30); n > 0; n--) {
      const [lo, hi] = pools[Math.floor(rnd() * pools.length)]!;
      s += String.fromCodePoint(lo! + Math.floor(rnd() * (hi! - lo! + 1)));
    }
    out.push(s);
  }
  return out;
}

test("decode(encode(x)) === x for tricky and random strings", () => {
  for (const s of [...TRICKY, ...randomStrings(500)]) assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
});

test("specials sit at ids 0..3", () => {
  assert.deepEqual([tok.padId, tok.bosId, tok.eosId, tok.unkId], [0, 1, 2, 3]);
  assert.deepEqual([0, 1, 2, 3].map((id) => tok.idToToken(id)), Object.values(SPECIAL_TOKENS));
  assert.equal(tok.vocabSize, 1200);
});

test("addBos and addEos frame the ids; decode skips specials unless told not to", () => {
  const plain = tok.encode("In the beginning");
  assert.deepEqual(tok.encode("In the beginning", { addBos: true }), [1, ...plain]);
  assert.deepEqual(tok.encode("In the beginning", { addEos: true }), [...plain, 2]);
  const framed = tok.encode("In the beginning", { addBos: true, addEos: true });
  assert.deepEqual(framed, [1, ...plain, 2]);
  assert.equal(tok.decode([...framed, 0, 0]), "In the beginning");
  assert.equal(tok.decode(framed, { skipSpecial: false }), "<s>In the beginning</s>");
  assert.deepEqual(tok.encode(""), []);
  assert.equal(tok.decode([]), "");
});

test("specials written in the text become their ids (as in Hugging Face)", () => {
  assert.deepEqual(tok.encode("<s>"), [1]);
  const ids = tok.encode("a<pad>b");
  assert.deepEqual(ids, [...tok.encode("a"), 0, ...tok.encode("b")]);
  assert.equal(tok.decode(ids, { skipSpecial: false }), "a<pad>b");
  assert.equal(tok.decode(ids), "ab");
});

test("tokens, idToToken and tokenToId", () => {
  const tokens = tok.tokens("In the beginning, God");
  assert.deepEqual(tokens, tok.encode("In the beginning, God").map((id) => tok.idToToken(id)));
  assert.equal(tokens.join("").replaceAll("Ġ", " "), "In the beginning, God");
  for (const t of tokens) assert.equal(tok.idToToken(tok.tokenToId(t)!), t);
  assert.equal(tok.idToToken(tok.vocabSize), undefined);
  assert.equal(tok.tokenToId("no such token"), undefined);
});

test("decode rejects ids outside the vocabulary with a one-line TokenizerError", () => {
  for (const bad of [-1, 1200, 1.5, NaN]) {
    assert.throws(() => tok.decode([5, bad]), (e: unknown) => e instanceof TokenizerError && !e.message.includes("\n") && /position 1/.test(e.message));
  }
});

test("a lone surrogate encodes as U+FFFD (it has no UTF-8 form)", () => {
  assert.deepEqual(tok.encode("a\ud800b"), tok.encode("a\ufffdb"));
});

test("toJSON / fromJSON round trip, through text too", () => {
  const again = Tokenizer.fromJSON(JSON.stringify(tok));
  assert.deepEqual(again.toJSON(), tok.toJSON());
  for (const s of TRICKY) assert.deepEqual(again.encode(s), tok.encode(s));
});
