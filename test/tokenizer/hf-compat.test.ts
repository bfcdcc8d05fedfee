/**
 * The contract with Hugging Face: a tokenizer we train and save loads in `tokenizers` (Rust) and
 * `@huggingface/tokenizers` (JS), which encode held-out text to exactly our ids and decode it back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Tokenizer as HfJsTokenizer } from "@huggingface/tokenizers";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { loadTokenizer, saveTokenizer } from "../../src/tokenizer/file.js";
import { TRICKY, bibleTexts, hfRust } from "./corpus.js";

let dir: string;
let path: string;
let ours: Tokenizer;
let rust: InstanceType<typeof hfRust.Tokenizer>;
let js: HfJsTokenizer;
const heldOut = [...bibleTexts("web-sparv.valid.tsv.gz"), ...bibleTexts("web-sparv.test.tsv.gz")];
const literalSpecials = ["<s>In the beginning</s>", "x<pad>y<unk>z", "<s", "</s></s><s>", "<<s>>"];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tokenizer-hf-"));
  path = join(dir, "tokenizer.json");
  ours = Tokenizer.train(bibleTexts("web-sparv.train.tsv.gz", 3000), { vocabSize: 2000 });
  saveTokenizer(ours, path);
  rust = hfRust.Tokenizer.fromFile(path);
  js = new HfJsTokenizer(JSON.parse(readFileSync(path, "utf8")), {});
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("the vocabulary and specials agree", () => {
  assert.equal(rust.getVocabSize(true), ours.vocabSize);
  for (const [name, id] of [["<pad>", 0], ["<s>", 1], ["</s>", 2], ["<unk>", 3]] as const) {
    assert.equal(rust.tokenToId(name), id);
    assert.equal(js.token_to_id(name), id);
    assert.equal(ours.tokenToId(name), id);
  }
});

test("held-out verses and tricky strings encode to the same ids and tokens in both libraries", async () => {
  const texts = [...heldOut, ...TRICKY, ...literalSpecials];
  assert.ok(heldOut.length > 3000);
  const fromRust = await rust.encodeBatch(texts);
  texts.forEach((text, i) => {
    const ids = ours.encode(text);
    assert.deepEqual(ids, fromRust[i]!.getIds(), `tokenizers: ${JSON.stringify(text)}`);
    assert.deepEqual(ids.map((id) => ours.idToToken(id)), fromRust[i]!.getTokens(), `tokenizers tokens: ${JSON.stringify(text)}`);
    // The pure-JS library is the slow one: every other verse keeps the test quick.
    if (i % 2 === 0 || i >= heldOut.length) assert.deepEqual(ids, js.encode(text).ids, `@huggingface/tokenizers: ${JSON.stringify(text)}`);
  });
});

test("text where JavaScript's \\s differs from Oniguruma's encodes as in tokenizers (Rust)", async () => {
  // U+0085 (NEL) is White_Space in Rust but not in JS's \s, and U+FEFF the other way round:
  // @huggingface/tokenizers splits these differently from the Rust library; we follow Rust.
  const texts = ["a\u0085\u0085b", "x \u0085\u0085 y", "\ufeff\ufeff word", "a \ufeffb"];
  const fromRust = await rust.encodeBatch(texts);
  texts.forEach((text, i) => assert.deepEqual(ours.encode(text), fromRust[i]!.getIds(), JSON.stringify(text)));
});

test("decoding agrees with both libraries, with and without specials", async () => {
  for (const text of [...heldOut.slice(0, 200), ...TRICKY, ...literalSpecials]) {
    const ids = ours.encode(text, { addBos: true, addEos: true });
    for (const skip of [true, false]) {
      const decoded = ours.decode(ids, { skipSpecial: skip });
      assert.equal(decoded, await rust.decode(ids, skip), `tokenizers: ${JSON.stringify(text)} skip=${skip}`);
      assert.equal(decoded, js.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false }), `@huggingface/tokenizers: ${JSON.stringify(text)}`);
    }
    if (!literalSpecials.includes(text)) assert.equal(ours.decode(ids), text);
  }
  // ids that cut a multi-byte character: both replace the broken bytes with U+FFFD
  const cut = ours.encode("ñandú 👍").flatMap((id) => [...ours.idToToken(id)!].map((ch) => ours.tokenToId(ch)!)).slice(0, -1);
  assert.equal(ours.decode(cut), await rust.decode(cut, true));
});

test("a file saved by tokenizers (Rust) loads in ours and encodes the same", async () => {
  const rustSaved = join(dir, "rust-saved.json");
  rust.save(rustSaved);
  const reloaded = loadTokenizer(rustSaved);
  for (const text of [...heldOut.slice(0, 300), ...TRICKY]) assert.deepEqual(reloaded.encode(text), ours.encode(text));
});

test("with an NFC normalizer, all three agree on decomposed accents", async () => {
  const json = { ...ours.toJSON(), normalizer: { type: "NFC" as const } };
  const nfc = Tokenizer.fromJSON(json);
  const rustNfc = hfRust.Tokenizer.fromString(JSON.stringify(json));
  const jsNfc = new HfJsTokenizer(json, {});
  const texts = ["cafe\u0301 nin\u0303o", "A\u030a\u0301ngstro\u0308m", "<s>e\u0301</s>"];
  const fromRust = await rustNfc.encodeBatch(texts);
  texts.forEach((text, i) => {
    assert.deepEqual(nfc.encode(text), fromRust[i]!.getIds(), JSON.stringify(text));
    assert.deepEqual(nfc.encode(text), jsNfc.encode(text).ids, JSON.stringify(text));
    assert.deepEqual(nfc.encode(text), ours.encode(text.normalize("NFC")));
  });
});
