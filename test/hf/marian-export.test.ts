/**
 * export --format hf of Marian: test/fixtures/hf/marian-tiny (MarianMTModel.save_pretrained's files) comes back
 * out tensor for tensor (model.shared.weight once, q/k/v_proj split from in_proj, final_logits_bias) and config key
 * for key, with source.spm, target.spm, vocab.json and tokenizer_config.json byte for byte; the export loads back
 * with identical logits, which are transformers' (expected/logits.safetensors) within 1e-5, and translates alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Seq2Seq } from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { loadForInference } from "../../src/run/index.js";
import { MARIAN_TINY, MARIAN_TINY_EXPECTED } from "./marian-fixture.js";
import { exported, maxDiff, readJson, run, sameConfig, sameFiles, sameTensors } from "./hf-export-check.js";

const TOKENIZER_FILES = ["source.spm", "target.spm", "vocab.json", "tokenizer_config.json"];
const e = readJson(MARIAN_TINY_EXPECTED, "logits.json");
const rows = (r: number[][]) => ({ ids: Int32Array.from(r.flat()), batch: r.length, length: r[0].length });

function logits(dir: string): Float32Array {
  const model = loadForInference(dir).model as Seq2Seq;
  return inference(model, () => model.forward(rows(e.input_ids), rows(e.decoder_input_ids)).data);
}

const out = exported(MARIAN_TINY);

test("the export is transformers' files again: tensors bit for bit, config keys, tokenizer files byte for byte", () => {
  assert.deepEqual(fs.readdirSync(out).sort(), ["config.json", "generation_config.json", "model.safetensors", ...TOKENIZER_FILES].sort());
  assert.equal(sameTensors(out, MARIAN_TINY), 86);
  sameConfig(out, MARIAN_TINY);
  sameFiles(out, MARIAN_TINY, TOKENIZER_FILES);
  assert.deepEqual(readJson(out, "generation_config.json"), { _from_model_config: true, bos_token_id: 0, decoder_start_token_id: 431, eos_token_id: 0, forced_eos_token_id: 0, pad_token_id: 431 });
});

test("the export loads back with identical logits, which are transformers' within 1e-5, and translates alike", () => {
  const back = logits(out);
  assert.ok(Buffer.from(back.buffer).equals(Buffer.from(logits(MARIAN_TINY).buffer)), "identical to the folder's");
  const want = readSafetensors(path.join(MARIAN_TINY_EXPECTED, "logits.safetensors")).tensors.get("logits")!.data;
  assert.ok(maxDiff(back, want) <= 1e-5);
  const text = "In the beginning God created the heaven and the earth.";
  const a = run("translate", "--checkpoint", out, text), b = run("translate", "--checkpoint", MARIAN_TINY, text);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
});
