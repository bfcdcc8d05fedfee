import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ortGreedySeq2Seq } from "../../src/export/index.js";
import { generate } from "../../src/generate/index.js";
import type { Seq2Seq } from "../../src/models/index.js";
import { loadTokenizer } from "../../src/tokenizer/file.js";
import { writeCheckpoint } from "../generate/checkpoints.js";
import { exported, ort, seq2seqSessions, session } from "./helpers.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

test("transformer export --format onnx: a seq2seq checkpoint with two tokenizers; the export translates as the checkpoint does", async () => {
  const { dir, model, src } = writeCheckpoint("seq2seq", { separate: true, seed: 3 });
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "export-cli-")), "onnx");
  const r = run("export", "--format", "onnx", "--checkpoint", dir, "--out", out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /exported seq2seq to .* \(ONNX opset 17\)\n$/);
  assert.deepEqual(fs.readdirSync(out).sort(), [
    "config.json", "generation_config.json", "onnx", "tokenizer.json", "tokenizer.target.json", "tokenizer_config.json", "transformer_config.json",
  ]);
  for (const f of ["onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx"]) assert.match(r.stdout, new RegExp(`/${f}\t[0-9.]+ KiB\n`));
  assert.deepEqual(loadTokenizer(path.join(out, "tokenizer.json")).toJSON(), src.toJSON());
  const sessions = await seq2seqSessions(out);
  const sources = ["In the beginning God created the heaven and the earth.", "naïve café"].map((t) => src.encode(t));
  const m = model as Seq2Seq;
  const ours = generate(m, sources, { strategy: "greedy", maxNewTokens: 12 }).results.map((x) => ({ tokens: x[0].tokens, finish: x[0].finish }));
  assert.deepEqual(await ortGreedySeq2Seq(ort, sessions, m.config, sources, { maxNewTokens: 12 }), ours);
  // the folder is an export, not a checkpoint: its config.json (transformers.js's) is not taken for a Marian one
  const back = run("translate", "--checkpoint", out, "In the beginning");
  assert.equal(back.status, 1);
  assert.equal(back.stderr, `transformer: ${out}: an ONNX export (onnx/*.onnx), not a checkpoint; run it in ONNX Runtime or transformers.js, or pass the checkpoint it was exported from\n`);
});

test("transformer export: a bad --format, a non-empty --out and a missing tokenizer are one line each", () => {
  const { dir } = writeCheckpoint("decoder_only");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "export-cli-"));
  const bad = run("export", "--format", "tflite", "--checkpoint", dir, "--out", path.join(tmp, "a"));
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'transformer: --format must be onnx or hf, got "tflite"\n');
  fs.writeFileSync(path.join(tmp, "note.txt"), "mine");
  const full = run("export", "--format", "onnx", "--checkpoint", dir, "--out", tmp);
  assert.equal(full.status, 1);
  assert.equal(full.stderr, `transformer: --out ${tmp}: holds note.txt; export to a new or empty folder\n`);
  fs.rmSync(path.join(dir, "tokenizer.json"));
  const bare = run("export", "--format", "onnx", "--checkpoint", dir, "--out", path.join(tmp, "b"));
  assert.equal(bare.status, 0, bare.stderr);
  assert.match(bare.stderr, /warning: .*tokenizer\.json is missing; the export has no tokenizer/);
  assert.deepEqual(fs.readdirSync(path.join(tmp, "b")).sort(), ["config.json", "generation_config.json", "model.onnx"]);
});

test("--external-data: weights in model.onnx_data beside model.onnx, which ONNX Runtime reads to the same logits", async () => {
  const { model } = writeCheckpoint("decoder_only", { seed: 2 });
  const inline = exported(model), outside = exported(model, { externalData: true });
  assert.deepEqual(fs.readdirSync(outside).sort(), ["config.json", "generation_config.json", "model.onnx", "model.onnx_data"]);
  assert.ok(fs.statSync(path.join(outside, "model.onnx")).size < 20_000, "the graph alone");
  const c = model.config as { num_layers: number; num_heads: number; d_model: number };
  const feeds = () => {
    const f: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from([1n, 5n, 9n]), [1, 3]),
      attention_mask: new ort.Tensor("int64", BigInt64Array.from([1n, 1n, 1n]), [1, 3]),
      position_ids: new ort.Tensor("int64", BigInt64Array.from([0n, 1n, 2n]), [1, 3]),
    };
    for (let i = 0; i < c.num_layers; i++) for (const kv of ["key", "value"]) f[`past_key_values.${i}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [1, c.num_heads, 0, c.d_model / c.num_heads]);
    return f;
  };
  const a = await (await session(inline, "model.onnx")).run(feeds());
  const b = await (await session(outside, "model.onnx")).run(feeds());
  assert.deepEqual(Array.from(b.logits.data as Float32Array), Array.from(a.logits.data as Float32Array));
});
