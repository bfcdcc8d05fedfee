/**
 * What a BERT folder may not hold, each refused with one line naming the key or tensor: an unknown model_type,
 * config values encoder_only does not compute, unexpected or missing tensors, and tokenizer.json components the
 * WordPiece reader does not implement. What transformers itself drops (the position_ids buffer, a masked-LM
 * checkpoint's pooler and next-sentence head) and TF-era names (LayerNorm.gamma/beta) load to the same logits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CheckpointError, ConfigError, TokenizerError } from "../../src/errors.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { EncoderOnly } from "../../src/models/index.js";
import type { NamedTensor } from "../../src/models/safetensors.js";
import { readSafetensors, writeSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { WordPieceTokenizer } from "../../src/tokenizer/wordpiece.js";
import { BERT_CLASSIFIER, BERT_MLM } from "./bert-fixture.js";

type Json = Record<string, any>;

/** A copy of a fixture folder, edited. */
function variant(from: string, edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bert-variant-"));
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(dir, f));
  edit(dir);
  return dir;
}

const editConfig = (change: (c: Json) => void) => (dir: string) => {
  const file = path.join(dir, "config.json");
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  change(c);
  fs.writeFileSync(file, JSON.stringify(c));
};

const editTensors = (change: (t: Map<string, NamedTensor>) => Map<string, NamedTensor>) => (dir: string) => {
  const file = path.join(dir, "model.safetensors");
  writeSafetensors(file, change(readSafetensors(file).tensors), { format: "pt" });
};

/** The one-line error of loading a variant; the folder is removed. */
function loadError(from: string, edit: (dir: string) => void, kind: new (...a: any[]) => Error): string {
  const dir = variant(from, edit);
  try {
    assert.throws(() => loadCheckpoint(dir), kind);
    try {
      loadCheckpoint(dir);
    } catch (e) {
      const message = (e as Error).message;
      assert.ok(!message.includes("\n"), message);
      return message.replaceAll(dir, "DIR");
    }
    return "";
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

test("config.json: an unknown model_type, key or architecture and unsupported values are one line naming the key", () => {
  const cases: Array<[(c: Json) => void, string]> = [
    [(c) => (c.model_type = "roberta"), 'model_type "roberta" is not supported; Hugging Face checkpoints load for model_type'],
    [(c) => (c.rotary_dim = 8), 'unknown key "rotary_dim" for model_type "bert"'],
    [(c) => (c.position_embedding_type = "relative_key"), '"position_embedding_type" is "relative_key"; only "absolute" is supported'],
    [(c) => (c.is_decoder = true), '"is_decoder" is true; only false is supported'],
    [(c) => (c.hidden_act = "swish"), '"hidden_act" "swish" is not supported; expected one of gelu, gelu_new, gelu_pytorch_tanh, relu'],
    [(c) => (c.architectures = ["BertForTokenClassification"]), '"architectures" "BertForTokenClassification" is not supported; expected BertForMaskedLM, BertForSequenceClassification, BertModel'],
    [(c) => (c.attention_probs_dropout_prob = 0.2), '"attention_probs_dropout_prob" 0.2 differs from "hidden_dropout_prob" 0.1'],
    [(c) => (c.pruned_heads = { 0: [1] }), '"pruned_heads" is {"0":[1]}; pruned attention heads are not supported'],
    [(c) => (c.layer_norm_eps = 0), '"layer_norm_eps" must be positive, found 0'],
  ];
  for (const [change, want] of cases) {
    const message = loadError(BERT_MLM, editConfig(change), ConfigError);
    assert.ok(message.startsWith("DIR/config.json") && message.includes(want), message);
  }
  const classifier: Array<[(c: Json) => void, string]> = [
    [(c) => (c.problem_type = "multi_label_classification"), '"problem_type" "multi_label_classification" is not supported'],
    [(c) => (c.id2label = { 0: "a", 2: "b" }), '"id2label" has "2": "b"; expected ids 0..1'],
    [(c) => (c.id2label = { 0: "only" }), '"id2label" has 1 label; BertForSequenceClassification with one output is a regression'],
  ];
  for (const [change, want] of classifier) {
    const message = loadError(BERT_CLASSIFIER, editConfig(change), ConfigError);
    assert.ok(message.includes(want), message);
  }
});

test("model.safetensors: an unexpected, missing or misshapen tensor is one line naming it", () => {
  const cases: Array<[(t: Map<string, NamedTensor>) => Map<string, NamedTensor>, string]> = [
    [(t) => t.set("bert.encoder.layer.2.output.dense.bias", { shape: [32], data: new Float32Array(32) }), 'unexpected tensor "bert.encoder.layer.2.output.dense.bias" (not part of a BERT encoder with this config.json)'],
    [(t) => t.set("lm_head.weight", { shape: [32], data: new Float32Array(32) }), 'unexpected tensor "lm_head.weight" (not part of a BertForMaskedLM with this config.json)'],
    [(t) => (t.delete("bert.encoder.layer.1.attention.self.key.bias"), t), 'missing tensor "bert.encoder.layer.1.attention.self.key.bias" of shape [32]'],
    [(t) => (t.delete("cls.predictions.bias"), t), 'missing tensor "cls.predictions.bias" of shape [600]'],
    [(t) => t.set("bert.embeddings.token_type_embeddings.weight", { shape: [3, 32], data: new Float32Array(96) }), 'tensor "bert.embeddings.token_type_embeddings.weight" has shape [3, 32], expected [2, 32]'],
    [(t) => t.set("cls.predictions.decoder.bias", { shape: [600], data: new Float32Array(600).fill(1) }), 'tensors "cls.predictions.decoder.bias" and "cls.predictions.bias" differ'],
    [(t) => t.set("cls.predictions.decoder.weight", { shape: [600, 32], data: new Float32Array(600 * 32) }), 'tied tensors "embed.weight" and "mlm_decoder.weight" differ'],
  ];
  for (const [change, want] of cases) {
    const message = loadError(BERT_MLM, editTensors(change), CheckpointError);
    assert.ok(message.startsWith("DIR/model.safetensors") && message.includes(want), message);
  }
  const message = loadError(BERT_CLASSIFIER, editTensors((t) => (t.delete("bert.pooler.dense.weight"), t)), CheckpointError);
  assert.ok(message.includes('missing tensor "bert.pooler.dense.weight" of shape [32, 32]'), message);
});

test("what transformers drops, TF-era LayerNorm names and a stored tied decoder load to the same logits", () => {
  const ids = { ids: Int32Array.from([2, 95, 72, 4, 10, 3]), batch: 1, length: 6 };
  const logitsOf = (dir: string) => {
    const m = loadCheckpoint(dir).model as EncoderOnly;
    return Array.from(inference(m, () => m.mlmLogits(m.hidden(ids).hidden).data));
  };
  const reference = logitsOf(BERT_MLM);
  const dir = variant(BERT_MLM, editTensors((t) => {
    const out = new Map<string, NamedTensor>();
    for (const [n, x] of t) out.set(n.replace(/LayerNorm\.weight$/, "LayerNorm.gamma").replace(/LayerNorm\.bias$/, "LayerNorm.beta"), x);
    out.set("bert.embeddings.position_ids", { shape: [1, 64], data: Float32Array.from({ length: 64 }, (_, i) => i) });
    out.set("bert.pooler.dense.weight", { shape: [32, 32], data: new Float32Array(1024) });
    out.set("bert.pooler.dense.bias", { shape: [32], data: new Float32Array(32) });
    out.set("cls.seq_relationship.weight", { shape: [2, 32], data: new Float32Array(64) });
    out.set("cls.seq_relationship.bias", { shape: [2], data: new Float32Array(2) });
    out.set("cls.predictions.decoder.weight", t.get("bert.embeddings.word_embeddings.weight")!);
    out.set("cls.predictions.decoder.bias", t.get("cls.predictions.bias")!);
    return out;
  }));
  assert.deepEqual(logitsOf(dir), reference);
  fs.rmSync(dir, { recursive: true });
});

test("tokenizer.json: a component or setting the WordPiece reader does not implement is one line naming its key", () => {
  const base = JSON.parse(fs.readFileSync(path.join(BERT_MLM, "tokenizer.json"), "utf8"));
  const cases: Array<[(j: Json) => void, string]> = [
    [(j) => (j.normalizer = { type: "Lowercase" }), 'normalizer "Lowercase" is not supported; expected null or BertNormalizer'],
    [(j) => (j.normalizer.strip_accents = "yes"), 'normalizer.strip_accents is "yes"; expected true or false'],
    [(j) => (j.normalizer.nfkc = true), "normalizer.nfkc is not supported"],
    [(j) => (j.pre_tokenizer = { type: "Whitespace" }), 'pre_tokenizer "Whitespace" is not supported; expected BertPreTokenizer'],
    [(j) => (j.post_processor = { type: "RobertaProcessing" }), 'post_processor "RobertaProcessing" is not supported'],
    [(j) => (j.post_processor.single[0] = { SpecialToken: { id: "[BOS]", type_id: 0 } }), "post_processor TemplateProcessing.single[0]: SpecialToken \"[BOS]\" is not in special_tokens"],
    [(j) => (j.decoder = { type: "ByteLevel" }), 'decoder "ByteLevel" is not supported; expected null or WordPiece'],
    [(j) => (j.model.unk_token = "<unk>"), 'model.unk_token "<unk>" is not in model.vocab'],
    [(j) => (j.model.max_input_chars_per_word = 0), "model.max_input_chars_per_word is 0; expected an integer ≥ 1"],
    [(j) => (j.model.byte_fallback = true), "model.byte_fallback is not supported"],
    [(j) => (j.added_tokens[4].lstrip = true), "added_tokens[4].lstrip is true; expected false"],
    [(j) => (j.truncation = { max_length: 64 }), '"truncation" is set; expected null'],
  ];
  for (const [change, want] of cases) {
    const j = structuredClone(base);
    change(j);
    assert.throws(() => WordPieceTokenizer.fromJSON(j, "tok.json"), (e: Error) => e instanceof TokenizerError && e.message.startsWith("tok.json: ") && e.message.includes(want) && !e.message.includes("\n"), want);
  }
  // the byte-level BPE reader sends a WordPiece file to its reader
  assert.throws(() => Tokenizer.fromJSON(base, "tok.json"), /^TokenizerError: tok\.json: model\.type is "WordPiece"; only "BPE" is read here \(a WordPiece tokenizer\.json, BERT's, loads with its BERT folder/);
});
