/**
 * The WordPiece tokenizer.json of the tiny BERT folders (scripts/hf/make_bert_fixtures.py) encodes ~1,000 held-out
 * verses and tricky strings to the ids transformers' tokenizer gives (with [CLS]/[SEP], and pairs with their
 * token_type_ids), and decodes them as `tokenizers` does. No Python runs here: expected/ holds its outputs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { WordPieceTokenizer } from "../../src/tokenizer/wordpiece.js";
import { BERT_MLM, bertExpected } from "./bert-fixture.js";

const file = path.join(BERT_MLM, "tokenizer.json");
const tokenizer = WordPieceTokenizer.fromJSON(fs.readFileSync(file, "utf8"), file);
const expected = bertExpected("tokens.json.gz");
const summary: string[] = [];
after(() => console.log(`bert-tiny tokenizer vs transformers: ${summary.join("; ")}`));

test("texts encode to transformers' ids, [CLS] and [SEP] included", () => {
  const { texts, ids } = expected;
  assert.ok(texts.length >= 1000);
  let count = 0, unk = 0;
  texts.forEach((text: string, i: number) => {
    const ours = tokenizer.encodeWithSpecials(text);
    assert.deepEqual(ours.ids, ids[i], JSON.stringify(text));
    assert.ok(ours.typeIds.every((t) => t === 0));
    count += ours.ids.length;
    unk += ours.ids.filter((id) => id === tokenizer.unkId).length;
  });
  assert.ok(unk > 0, "some texts have unknown words");
  summary.push(`${count} ids of ${texts.length} texts equal (${unk} [UNK])`);
});

test("sentence pairs encode to transformers' ids and token_type_ids", () => {
  for (const p of expected.pairs) {
    const ours = tokenizer.encodeWithSpecials(p.a, p.b);
    assert.deepEqual(ours.ids, p.ids, JSON.stringify([p.a, p.b]));
    assert.deepEqual(ours.typeIds, p.token_type_ids, JSON.stringify([p.a, p.b]));
  }
  summary.push(`${expected.pairs.length} pairs equal`);
});

test("decoding equals tokenizers' WordPiece decoder, with and without special tokens", () => {
  const { ids, decoded, decoded_with_specials: withSpecials } = expected;
  ids.forEach((row: number[], i: number) => {
    assert.equal(tokenizer.decode(row), decoded[i], `decode ${JSON.stringify(expected.texts[i])}`);
    assert.equal(tokenizer.decode(row, { skipSpecial: false }), withSpecials[i], `decode with specials ${JSON.stringify(expected.texts[i])}`);
  });
});
