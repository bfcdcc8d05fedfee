import assert from "node:assert/strict";
import { test } from "node:test";
import { Tokenizer as HfJsTokenizer } from "@huggingface/tokenizers";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { MergeTable } from "../../src/tokenizer/merge-table.js";
import { hfRust, seededRandom } from "./corpus.js";

test("merges apply lowest rank first, leftmost first, one occurrence at a time", () => {
  // ids: a=0 b=1 c=2, ab=3, abab=4 ... a toy table to check by hand.
  const table = new MergeTable([[0, 1], [3, 3], [0, 0]], [3, 4, 5]);
  assert.deepEqual(table.apply([0, 1, 0, 1]), [4]); // ab ab -> abab
  assert.deepEqual(table.apply([0, 0, 0]), [5, 0]); // aaa -> (aa) a, leftmost first
  assert.deepEqual(table.apply([0, 1, 0, 1, 0, 1]), [4, 3]); // ab ab ab -> abab ab
  assert.deepEqual(table.apply([2]), [2]);
  assert.deepEqual(table.apply([]), []);
});

test("random merge tables, including merges that spell an existing token, encode as Hugging Face does", async () => {
  const rnd = seededRandom(7);
  const base = Tokenizer.train([], { vocabSize: 260 }).toJSON(); // specials + 256 bytes, no merges
  let respelled = 0;
  for (let table = 0; table < 8; table++) {
    const json = structuredClone(base);
    const vocab = json.model.vocab;
    const merges: Array<[string, string]> = [];
    const seen = new Set<string>();
    const toks = ["a", "b", "c", "d"];
    while (merges.length < 80) {
      const x = toks[Math.floor(rnd() ** 2 * toks.length)]!;
      const y = toks[Math.floor(rnd() ** 2 * toks.length)]!;
      if (seen.has(`${x} ${y}`) || (x + y).length > 8) continue;
      seen.add(`${x} ${y}`);
      merges.push([x, y]);
      if (vocab[x + y] === undefined) {
        vocab[x + y] = Object.keys(vocab).length;
        toks.push(x + y);
      } else respelled++;
    }
    json.model.merges = merges;
    const ours = Tokenizer.fromJSON(json);
    const rust = hfRust.Tokenizer.fromString(JSON.stringify(json));
    const js = new HfJsTokenizer(json, {});
    const words: string[] = [];
    for (let i = 0; i < 200; i++) {
      let w = "";
      for (let k = 1 + Math.floor(rnd() * 25); k > 0; k--) w += "abcd"[Math.floor(rnd() * 4)];
      words.push(w);
    }
    const fromRust = await rust.encodeBatch(words);
    words.forEach((w, i) => {
      const ids = ours.encode(w);
      assert.deepEqual(ids, fromRust[i]!.getIds(), `table ${table}, ${w} (tokenizers)`);
      assert.deepEqual(ids, js.encode(w).ids, `table ${table}, ${w} (@huggingface/tokenizers)`);
    });
  }
  assert.ok(respelled > 0, `${respelled}: the tables should have merges that spell an existing token`);
});
