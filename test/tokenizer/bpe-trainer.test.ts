import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { type TrainProgress } from "../../src/tokenizer/bpe-trainer.js";
import { BYTE_TO_CHAR, utf8Bytes } from "../../src/tokenizer/byte-level.js";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { preTokenize } from "../../src/tokenizer/pre-tokenizer.js";
import { bibleTexts } from "./corpus.js";

const mergesOf = (tok: Tokenizer) => tok.toJSON().model.merges;

test("ids: specials 0..3, bytes 4..259, then merges in the order learned", () => {
  // words: "ab" x1, " ab" x2, "abc" x1 -> pairs (a,b)=4, (Ġ,a)=2, (b,c)=1
  const tok = Tokenizer.train(["ab ab ab", "abc"], { vocabSize: 262, minFrequency: 1 });
  assert.deepEqual([0, 1, 2, 3].map((id) => tok.idToToken(id)), ["<pad>", "<s>", "</s>", "<unk>"]);
  assert.deepEqual([tok.padId, tok.bosId, tok.eosId, tok.unkId], [0, 1, 2, 3]);
  assert.equal(tok.idToToken(4 + 0x20), "Ġ");
  assert.equal(tok.idToToken(4 + 0x61), "a");
  assert.deepEqual(mergesOf(tok), [["a", "b"], ["Ġ", "ab"]]);
  assert.equal(tok.tokenToId("ab"), 260);
  assert.equal(tok.tokenToId("Ġab"), 261);
  assert.deepEqual(tok.encode("ab ab abc"), [260, 261, 261, 4 + 0x63]);
});

test("ties go to the smaller left id, then the smaller right id", () => {
  // "ab" and " ba": (a,b), (Ġ,b), (b,a) all once; Ġ (36) < a (101) < b (102).
  const tok = Tokenizer.train(["ab ba"], { vocabSize: 300, minFrequency: 1 });
  assert.deepEqual(mergesOf(tok), [["Ġ", "b"], ["a", "b"], ["Ġb", "a"]]);
});

test("minFrequency stops training below vocabSize; vocabSize is a ceiling", () => {
  const texts = ["the cat", "the hat", "a bat"];
  const small = Tokenizer.train(texts, { vocabSize: 1000 }); // default minFrequency 2
  assert.ok(small.vocabSize < 1000 && small.vocabSize > 260);
  assert.equal(Tokenizer.train(texts, { vocabSize: 263, minFrequency: 1 }).vocabSize, 263);
});

test("bad options are OptionErrors", () => {
  assert.throws(() => Tokenizer.train([], { vocabSize: 100 }), OptionError);
  assert.throws(() => Tokenizer.train([], { vocabSize: 1000.5 }), OptionError);
  assert.throws(() => Tokenizer.train([], { vocabSize: 1000, minFrequency: 0 }), OptionError);
});

test("progress reports counting and merging", () => {
  const seen: TrainProgress[] = [];
  const tok = Tokenizer.train(bibleTexts("web-sparv.train.tsv.gz", 300), { vocabSize: 800, onProgress: (p) => seen.push(p) });
  const count = seen.filter((p) => p.phase === "count");
  const merge = seen.filter((p) => p.phase === "merge");
  assert.deepEqual(count.at(-1), { phase: "count", texts: 600, distinctWords: count.at(-1)!.distinctWords });
  assert.ok(merge.length >= 2);
  assert.deepEqual(merge.at(-1), { phase: "merge", vocabSize: tok.vocabSize, targetVocabSize: 800 });
});

test("training is deterministic", () => {
  const texts = bibleTexts("web-sparv.train.tsv.gz", 200);
  assert.deepEqual(Tokenizer.train(texts, { vocabSize: 700 }).toJSON(), Tokenizer.train(texts, { vocabSize: 700 }).toJSON());
});

/**
 * The textbook algorithm, written independently and slowly: recount every pair before each merge, take the
 * most frequent (ties: smaller left id, then right id), replace it left to right in every word.
 */
function naiveBpe(texts: string[], vocabSize: number, minFrequency: number): Array<[string, string]> {
  const tokens = ["<pad>", "<s>", "</s>", "<unk>", ...BYTE_TO_CHAR];
  const table = new Map<string, number>();
  for (const t of texts) for (const w of preTokenize(t)) table.set(w, (table.get(w) ?? 0) + 1);
  let words = [...table].map(([w, c]) => ({ ids: Array.from(utf8Bytes(w), (b) => 4 + b), c }));
  const merges: Array<[string, string]> = [];
  const done = new Map<string, number>();
  while (tokens.length < vocabSize) {
    const counts = new Map<number, number>();
    for (const { ids, c } of words) for (let i = 0; i + 1 < ids.length; i++) {
      const k = ids[i]! * 65536 + ids[i + 1]!;
      counts.set(k, (counts.get(k) ?? 0) + c);
    }
    let best: [number, number, number] | undefined;
    for (const [k, c] of counts) {
      const [a, b] = [Math.floor(k / 65536), k % 65536];
      if (!best || c > best[0] || (c === best[0] && (a < best[1] || (a === best[1] && b < best[2])))) best = [c, a, b];
    }
    if (!best || best[0] < minFrequency) break;
    const [, a, b] = best;
    let z = done.get(`${a},${b}`);
    if (z === undefined) {
      z = tokens.indexOf(tokens[a]! + tokens[b]!);
      if (z < 0) z = tokens.push(tokens[a]! + tokens[b]!) - 1;
      merges.push([tokens[a]!, tokens[b]!]);
      done.set(`${a},${b}`, z);
    }
    words = words.map(({ ids, c }) => {
      const out: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === a && ids[i + 1] === b) (out.push(z!), i++);
        else out.push(ids[i]!);
      }
      return { ids: out, c };
    });
  }
  return merges;
}

test("incremental training learns the same merges as recounting from scratch", () => {
  const texts = bibleTexts("web-sparv.train.tsv.gz", 150);
  for (const minFrequency of [1, 3]) {
    const fast = mergesOf(Tokenizer.train(texts, { vocabSize: 700, minFrequency }));
    assert.deepEqual(fast, naiveBpe(texts, 700, minFrequency), `minFrequency ${minFrequency}`);
  }
});

test("a tokenizer trained on Bible verses round-trips them", () => {
  const texts = bibleTexts("web-sparv.train.tsv.gz", 500);
  const tok = Tokenizer.train(texts, { vocabSize: 1500 });
  for (const t of texts) assert.equal(tok.decode(tok.encode(t)), t);
  const { vocab, merges } = tok.toJSON().model;
  assert.equal(Object.keys(vocab).length, tok.vocabSize, "token strings are unique");
  assert.equal(new Set(merges.map((m) => m.join(" "))).size, merges.length, "no merge is listed twice");
  const mean = texts.reduce((s, t) => s + tok.encode(t).length, 0) / texts.reduce((s, t) => s + preTokenize(t).length, 0);
  assert.ok(mean < 1.6, `tokens per word ${mean.toFixed(2)}`); // merges do compress
});
