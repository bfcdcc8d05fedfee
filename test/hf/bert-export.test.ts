/**
 * export --format hf of BERT: each fixture folder transformers saved (test/fixtures/hf/bert-tiny: a
 * BertForSequenceClassification, a BertForMaskedLM, a BertModel) comes back out tensor for tensor (names, the
 * split query/key/value, bytes) and config key for key, with its tokenizer files byte for byte; the export loads
 * back with identical outputs, which are transformers' (expected/logits.safetensors) within 1e-5. What BERT
 * cannot compute is refused in one line. (scripts/hf/check_export.py loads an export of a fine-tuned run in
 * transformers itself.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EncoderOnly } from "../../src/models/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { BERT_BASE, BERT_CLASSIFIER, BERT_EXPECTED, BERT_MLM, bertExpected } from "./bert-fixture.js";
import { exported, maxDiff, run, sameConfig, sameFiles, sameTensors, tmp } from "./hf-export-check.js";

const cases = bertExpected("logits.json");
const want = readSafetensors(path.join(BERT_EXPECTED, "logits.safetensors")).tensors;
const B = cases.input_ids.length, T = cases.input_ids[0].length;
const batch = { ids: Int32Array.from(cases.input_ids.flat() as number[]), batch: B, length: T };
const inputs = { keyPad: Uint8Array.from(cases.attention_mask.flat() as number[], (m) => 1 - m), typeIds: Int32Array.from(cases.token_type_ids.flat() as number[]) };

const mask = cases.attention_mask.flat() as number[];

/** The folder's model's output on the fixture's padded batch of pairs: its head's (the masked LM's at real tokens), as expected/ holds it. */
function outputs(dir: string): Float32Array {
  const model = loadCheckpoint(dir).model as EncoderOnly;
  return inference(model, () => {
    const { hidden, keyPad } = model.hidden(batch, inputs);
    if (model.config.head === "none") return model.pooled(hidden, keyPad).data;
    if (model.config.head === "classifier") return model.forward(batch, inputs).data;
    const logits = model.mlmLogits(hidden).data, V = model.config.vocab_size; // (B, T, V)
    return Float32Array.from(mask.flatMap((m, i) => (m === 1 ? [...logits.subarray(i * V, (i + 1) * V)] : [])));
  });
}

for (const [name, dir, key] of [["BertForSequenceClassification", BERT_CLASSIFIER, "classifier"], ["BertForMaskedLM", BERT_MLM, "mlm"], ["BertModel", BERT_BASE, "pooled"]] as const) {
  test(`${name}: the export is transformers' files again, and computes the same outputs`, () => {
    const out = exported(dir);
    assert.deepEqual(fs.readdirSync(out).sort(), ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]);
    sameTensors(out, dir);
    sameConfig(out, dir);
    sameFiles(out, dir, ["tokenizer.json", "tokenizer_config.json"]);
    const back = outputs(out);
    assert.ok(Buffer.from(back.buffer).equals(Buffer.from(outputs(dir).buffer)), "identical to the folder's");
    assert.ok(maxDiff(back, want.get(key)!.data) <= 1e-5, `transformers' ${key}`);
  });
}

test("what BERT does not compute is refused in one line naming the config key, before anything is written", () => {
  const ours = path.join(tmp("bert-export-"), "ours");
  const config = { architecture: "encoder_only", vocab_size: 300, num_layers: 1, d_model: 16, num_heads: 2, d_ff: 32, num_classes: 2, pooling: "first" };
  const cfgFile = path.join(tmp("bert-export-"), "config.json");
  fs.writeFileSync(cfgFile, JSON.stringify(config));
  assert.equal(run("init", "--config", cfgFile, "--out", ours).status, 0);
  const out = path.join(tmp("bert-export-"), "out");
  const r = run("export", "--format", "hf", "--checkpoint", ours, "--out", out);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /model_type bert\): config key "positional" is "sinusoidal"; BERT computes only "learned"/);
  assert.equal(r.stderr.trim().split("\n").filter((l) => !l.includes("warning")).length, 1, r.stderr);
  assert.equal(fs.existsSync(out), false);
});
