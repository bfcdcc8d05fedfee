import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenizerError } from "../../src/errors.js";
import { Tokenizer, type HfTokenizerJson } from "../../src/tokenizer/index.js";

const good = Tokenizer.train(["the cat sat on the mat", "el gato"], { vocabSize: 270, minFrequency: 1 }).toJSON();

/** A copy of the good file, changed by `edit`. */
function broken(edit: (json: Record<string, any>) => void): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(good)) as Record<string, any>;
  edit(json);
  return json;
}

/** fromJSON must throw a one-line TokenizerError that names the file and matches `expected`. */
function rejects(input: unknown, expected: RegExp): void {
  assert.throws(
    () => Tokenizer.fromJSON(input, "models/x/tokenizer.json"),
    (e: unknown) => {
      assert.ok(e instanceof TokenizerError, `expected a TokenizerError, got ${String(e)}`);
      assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
      assert.ok(e.message.startsWith("models/x/tokenizer.json"), e.message);
      assert.match(e.message, expected);
      return true;
    },
  );
}

test("the good file loads", () => {
  assert.equal(Tokenizer.fromJSON(good).vocabSize, 270);
});

test("text that is not JSON, with line and column", () => {
  rejects("{\n  \"version\": \"1.0\",\n  oops\n}", /tokenizer\.json:3:3: not valid JSON/);
  rejects("", /not valid JSON/);
  rejects("[1, 2]", /JSON object/);
  rejects(42, /JSON object/);
});

test("a model without \"type\" (files older than tokenizers' tagged models, GPT-2's) is read as BPE when it has vocab and merges", () => {
  const untagged = broken((j) => delete j.model.type);
  assert.deepEqual(Tokenizer.fromJSON(untagged).encode("the cat"), Tokenizer.fromJSON(good).encode("the cat"));
  rejects(broken((j) => { delete j.model.type; delete j.model.merges; }), /model\.type is undefined; only "BPE"/);
});

test("special roles by id: each must be a special added token", () => {
  const roles = { pad: 2, bos: 2, eos: 2 };
  const t = Tokenizer.fromJSON(good, "x.json", roles);
  assert.deepEqual([t.padId, t.bosId, t.eosId, t.unkId], [2, 2, 2, null]);
  assert.throws(() => Tokenizer.fromJSON(good, "x.json", { ...roles, bos: 100 }), /^TokenizerError: x\.json: the bos token is id 100 \("[^"]+"\), which is not a special added token/);
  assert.throws(() => Tokenizer.fromJSON(good, "x.json", { ...roles, eos: 9999 }), /the eos token is id 9999, outside the vocabulary/);
});

test("missing or unsupported model", () => {
  rejects(broken((j) => delete j.model), /missing key "model"/);
  rejects(broken((j) => (j.model.type = "WordPiece")), /model\.type is "WordPiece"; only "BPE"/);
  rejects(broken((j) => (j.model.type = "Unigram")), /model\.type is "Unigram"/);
  rejects(broken((j) => delete j.model.vocab), /model\.vocab is missing/);
  rejects(broken((j) => (j.model.merges = "a b")), /model\.merges is missing or not an array/);
  rejects(broken((j) => (j.model.dropout = 0.1)), /model\.dropout/);
  rejects(broken((j) => (j.model.continuing_subword_prefix = "##")), /continuing_subword_prefix/);
});

test("components we do not implement are refused", () => {
  rejects(broken((j) => (j.pre_tokenizer = { type: "Metaspace" })), /pre_tokenizer is "Metaspace"/);
  rejects(broken((j) => (j.pre_tokenizer = null)), /pre_tokenizer is null/);
  rejects(broken((j) => (j.pre_tokenizer.add_prefix_space = true)), /add_prefix_space is true/);
  rejects(broken((j) => (j.pre_tokenizer.use_regex = false)), /use_regex/);
  rejects(broken((j) => (j.post_processor = { type: "RobertaProcessing" })), /post_processor "RobertaProcessing"/);
  rejects(broken((j) => (j.post_processor = { type: "TemplateProcessing" })), /post_processor TemplateProcessing\.single is undefined/);
  // BERT's template adds [CLS] and [SEP]; only one that adds nothing (transformers 5's GPT-2 file) is read
  const bert = { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }], pair: [], special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } } };
  rejects(broken((j) => (j.post_processor = bert)), /post_processor TemplateProcessing\.single adds "<s>"; only a template that adds no token/);
  const empty = { type: "TemplateProcessing", single: [{ Sequence: { id: "A", type_id: 0 } }], pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }], special_tokens: {} };
  assert.equal(Tokenizer.fromJSON(broken((j) => (j.post_processor = empty))).vocabSize, 270);
  rejects(broken((j) => (j.post_processor = { ...empty, special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } } })), /special_tokens is not empty/);
  rejects(broken((j) => (j.decoder = null)), /decoder is null/);
  rejects(broken((j) => (j.normalizer = { type: "Lowercase" })), /normalizer "Lowercase"/);
  rejects(broken((j) => (j.padding = { strategy: "BatchLongest" })), /"padding" is set/);
  rejects(broken((j) => (j.added_tokens[0].lstrip = true)), /added_tokens\[0\]\.lstrip/);
});

test("inconsistent vocab, merges or specials", () => {
  rejects(broken((j) => (j.model.merges[0] = ["Ġ", "zzz"])), /model\.merges\[0\]: "zzz" is not in model\.vocab/);
  rejects(broken((j) => (j.model.merges[0] = "only-one-part")), /model\.merges\[0\] is "only-one-part"/);
  rejects(broken((j) => {
    const merged = j.model.merges[0].join("");
    j.model.vocab["ÿÿÿÿ"] = j.model.vocab[merged]; // same id, another spelling
    delete j.model.vocab[merged];
  }), /merged token "[^"]+" is not in model\.vocab/);
  rejects(broken((j) => delete j.model.vocab["Ġ"]), /lacks "Ġ" \(byte 0x20\)/);
  rejects(broken((j) => (j.model.vocab["extra"] = 5000)), /no token has id 270/);
  rejects(broken((j) => (j.model.vocab["a"] = 1.5)), /model\.vocab\["a"\] has id 1.5/);
  rejects(broken((j) => (j.model.vocab["x\u4e00"] = 270)), /not a byte-level symbol/);
  rejects(broken((j) => (j.added_tokens = j.added_tokens.filter((t: { content: string }) => t.content !== "<pad>"))), /"<pad>"/);
});

test("older files with merges as \"left right\" strings load the same", () => {
  const legacy = broken((j) => (j.model.merges = j.model.merges.map((m: string[]) => m.join(" "))));
  const a = Tokenizer.fromJSON(legacy);
  const b = Tokenizer.fromJSON(good as HfTokenizerJson);
  assert.deepEqual(a.encode("the cat sat"), b.encode("the cat sat"));
});
