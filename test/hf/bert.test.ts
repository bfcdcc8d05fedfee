/**
 * Hugging Face BERT folders (test/fixtures/hf/bert-tiny, made by scripts/hf/make_bert_fixtures.py with transformers)
 * load as encoder_only with BERT's options and compute what transformers computed on a padded batch of sentence
 * pairs (attention_mask, token_type_ids): BertForMaskedLM's logits, BertForSequenceClassification's logits and
 * BertModel's pooled output. No Python runs here: expected/ holds transformers' outputs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { EncoderOnly } from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { BERT_BASE, BERT_CLASSIFIER, BERT_EXPECTED, BERT_MLM, bertExpected } from "./bert-fixture.js";

const cases = bertExpected("logits.json");
const { tensors } = readSafetensors(path.join(BERT_EXPECTED, "logits.safetensors"));
const summary: string[] = [];
after(() => console.log(`bert-tiny vs transformers: ${summary.join("; ")}`));

const B = cases.input_ids.length, T = cases.input_ids[0].length;
const batch = { ids: Int32Array.from(cases.input_ids.flat() as number[]), batch: B, length: T };
const mask = cases.attention_mask.flat() as number[];
const inputs = { keyPad: Uint8Array.from(mask, (m) => 1 - m), typeIds: Int32Array.from(cases.token_type_ids.flat() as number[]) };

function maxDiff(got: ArrayLike<number>, want: Float32Array, name: string): number {
  assert.equal(got.length, want.length, `${name}: size`);
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
  assert.ok(diff <= 1e-5, `${name}: max |Δ| ${diff}`);
  summary.push(`${name} max |Δ| ${diff.toExponential(2)} over ${got.length} values`);
  return diff;
}

test("BertForMaskedLM loads as encoder_only with BERT's options, its decoder tied to the word embeddings", () => {
  const { config: c, model, huggingFace } = loadCheckpoint(BERT_MLM);
  assert.equal(huggingFace, "bert");
  assert.deepEqual(
    [c.architecture, c.d_model, c.num_heads, c.d_ff, c.activation, c.norm_first, c.layer_norm_eps, c.positional, c.max_len, c.scale_embeddings],
    ["encoder_only", 32, 2, 64, "gelu", false, 1e-12, "learned", 64, false],
  );
  const e = model as EncoderOnly;
  assert.deepEqual([e.config.type_vocab_size, e.config.embedding_norm, e.config.final_norm, e.config.pooler, e.config.head], [2, true, false, false, "mlm"]);
  assert.equal(e.mlmDecoder!.weight, e.embed.weight);
  assert.ok(!e.namedParameters().some(([n]) => n.startsWith("stack.norm")), "no final norm");
});

test("masked-LM logits equal transformers' within 1e-5 at every real token of a padded batch of pairs", () => {
  const model = loadCheckpoint(BERT_MLM).model as EncoderOnly;
  const logits = inference(model, () => model.mlmLogits(model.hidden(batch, inputs).hidden).data); // (B, T, V)
  const V = model.config.vocab_size;
  const real: number[] = [];
  mask.forEach((m, i) => {
    if (m === 1) real.push(...logits.subarray(i * V, (i + 1) * V));
  });
  maxDiff(real, tensors.get("mlm")!.data, "mlm logits");
});

test("BertForSequenceClassification's logits equal transformers' within 1e-5, its labels from id2label", () => {
  const { model, config } = loadCheckpoint(BERT_CLASSIFIER);
  const e = model as EncoderOnly;
  assert.deepEqual((config as { labels?: string[] }).labels, ["yahweh", "question", "other"]);
  assert.deepEqual([e.config.pooler, e.config.head, e.config.num_classes], [true, "classifier", 3]);
  maxDiff(inference(e, () => e.forward(batch, inputs).data), tensors.get("classifier")!.data, "classifier logits");
});

test("BertModel's pooled output (dense + tanh on [CLS]) equals transformers' within 1e-5", () => {
  const model = loadCheckpoint(BERT_BASE).model as EncoderOnly;
  assert.equal(model.config.head, "none");
  const pooled = inference(model, () => {
    const { hidden, keyPad } = model.hidden(batch, inputs);
    return model.pooled(hidden, keyPad).data;
  });
  maxDiff(pooled, tensors.get("pooled")!.data, "pooled output");
});
