/**
 * export --format hf of a GPT-2: the files transformers saved for test/fixtures/hf/gpt2-tiny come back out, tensor
 * for tensor (names, Conv1D [in, out] layouts, bytes) and key for key, and the folder loads back with identical
 * logits, which are transformers' (expected/logits.safetensors) within 1e-5. What GPT-2 cannot compute is refused.
 * (scripts/hf/check_export.py loads an export of a fine-tuned run in transformers itself.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { DecoderOnly } from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { loadForInference } from "../../src/run/index.js";
import { GPT2_TINY, GPT2_TINY_EXPECTED } from "./fixture.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const readJson = (dir: string, name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
const tmp = () => fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "gpt2-export-"));

function exported(checkpoint: string): string {
  const out = path.join(tmp(), "hf");
  const r = run("export", "--format", "hf", "--checkpoint", checkpoint, "--out", out);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** (T, V) logits of one row of ids. */
function logits(dir: string, ids: number[]): Float32Array {
  const model = loadForInference(dir).model as DecoderOnly;
  return inference(model, () => model.forward({ ids: Int32Array.from(ids), batch: 1, length: ids.length }).data);
}

const out = exported(GPT2_TINY);

test("the export writes transformers' files: every tensor of save_pretrained's model.safetensors, bit for bit, and its config keys", () => {
  assert.deepEqual(fs.readdirSync(out).sort(), ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]);
  const theirs = readSafetensors(path.join(GPT2_TINY, "model.safetensors"));
  const ours = readSafetensors(path.join(out, "model.safetensors"));
  assert.deepEqual([...ours.tensors.keys()].sort(), [...theirs.tensors.keys()].sort());
  for (const [name, t] of theirs.tensors) {
    const o = ours.tensors.get(name)!;
    assert.deepEqual(o.shape, t.shape, name); // c_attn.weight [32, 96]: Conv1D's [in, out]
    assert.ok(Buffer.from(o.data.buffer).equals(Buffer.from(t.data.buffer)), name);
  }
  assert.equal(ours.metadata.format, "pt"); // from_pretrained reads safetensors marked "pt"
  const config = readJson(out, "config.json"), original = readJson(GPT2_TINY, "config.json");
  for (const [key, value] of Object.entries(config)) assert.deepEqual(value, original[key], key);
  assert.deepEqual(readJson(out, "generation_config.json"), { _from_model_config: true, bos_token_id: 1023, eos_token_id: 1023 });
  const tc = readJson(out, "tokenizer_config.json");
  assert.deepEqual([tc.bos_token, tc.eos_token, tc.unk_token, tc.pad_token, tc.add_bos_token], ["<|endoftext|>", "<|endoftext|>", "<|endoftext|>", null, false]);
});

test("the export loads back with identical logits, which are transformers' within 1e-5", () => {
  const { cases } = JSON.parse(fs.readFileSync(path.join(GPT2_TINY_EXPECTED, "logits.json"), "utf8"));
  const ids: number[] = cases.full.ids[0];
  const back = logits(out, ids);
  assert.ok(Buffer.from(back.buffer).equals(Buffer.from(logits(GPT2_TINY, ids).buffer)), "identical to the folder's");
  const want = readSafetensors(path.join(GPT2_TINY_EXPECTED, "logits.safetensors")).tensors.get("full")!.data; // the positions `rows` lists
  const V = 1024, rows: number[] = cases.full.rows;
  assert.equal(want.length, rows.length * V);
  let worst = 0;
  rows.forEach((r, k) => {
    for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(back[r * V + v] - want[k * V + v]));
  });
  assert.ok(worst < 1e-5, `max |Δ| ${worst}`);
  const parts = loadForInference(out), before = loadForInference(GPT2_TINY);
  const text = "In the beginning God created the heaven and the earth.<|endoftext|>";
  assert.deepEqual(parts.srcTokenizer.encode(text), before.srcTokenizer.encode(text));
  assert.equal(parts.addBos, false);
});

test("what GPT-2 does not compute, or an --out that holds files, is refused in one line", () => {
  const ours = path.join(tmp(), "ours");
  const config = { architecture: "decoder_only", vocab_size: 300, num_layers: 1, d_model: 16, num_heads: 2, d_ff: 32 };
  const cfgFile = path.join(tmp(), "config.json");
  fs.writeFileSync(cfgFile, JSON.stringify(config));
  assert.equal(run("init", "--config", cfgFile, "--out", ours).status, 0);
  const r = run("export", "--format", "hf", "--checkpoint", ours, "--out", path.join(tmp(), "out"));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /model_type gpt2\): config key "norm_first" is false; GPT-2 computes only true/);
  assert.equal(r.stderr.trim().split("\n").filter((l) => !l.includes("warning")).length, 1, r.stderr);
  const full = tmp();
  fs.writeFileSync(path.join(full, "notes.txt"), "mine");
  const r2 = run("export", "--format", "hf", "--checkpoint", GPT2_TINY, "--out", full);
  assert.notEqual(r2.status, 0);
  assert.match(r2.stderr, /holds notes\.txt; export to a new or empty folder/);
  assert.equal(fs.readFileSync(path.join(full, "notes.txt"), "utf8"), "mine");
});
