/**
 * train --init-from of test/fixtures/hf/marian-tiny on sentence pairs: the run keeps the folder's SentencePiece
 * tokenizers as its files (source.spm, target.spm, vocab.json, tokenizer_config.json, byte for byte, in its
 * manifest). Its first step's loss is the folder's own model's on the pairs framed as transformers frames them
 * (source ids </s>; decoder <pad> y…; labels y… </s>); a few steps lower it; the run translates, resumes, and its
 * export loads back with the run's logits and the folder's tokenizer files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import type { Seq2Seq } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { loadForInference } from "../../src/run/index.js";
import { MARIAN_TINY } from "./marian-fixture.js";
import { exported, maxDiff, readJson, run, sameFiles, tmp } from "./hf-export-check.js";

const ROOT = path.resolve(MARIAN_TINY, "../../../..");
const TOKENIZER_FILES = ["source.spm", "target.spm", "vocab.json", "tokenizer_config.json"];
// 40 pairs the fixture was not trained on (it used the first 3,000 rows)
const rows = gunzipSync(fs.readFileSync(path.join(ROOT, "data/bible/web-sparv.train.tsv.gz"))).toString("utf8").split("\n");
const pairs = rows.slice(5001, 5041).map((r) => r.split("\t"));
const data = path.join(tmp("marian-init-"), "pairs.tsv");
fs.writeFileSync(data, [rows[0], ...rows.slice(5001, 5041)].join("\n") + "\n");
// one batch holds every pair, no dropout, no smoothing: each step's loss is the loss on the pairs
const TRAIN = ["--data", data, "--valid", data, "--schedule", "cosine", "--lr", "3e-3", "--warmup", "2", "--dropout", "0", "--label-smoothing", "0", "--log-every", "1", "--batch-tokens", "100000"];
const out = path.join(tmp("marian-init-"), "run");
const trained = run("train", "--init-from", MARIAN_TINY, "--out", out, "--steps", "8", ...TRAIN);
const metrics = () => fs.readFileSync(path.join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

test("a few steps from marian-tiny lower the loss on its pairs; the run keeps the folder's tokenizer files", () => {
  assert.equal(trained.status, 0, trained.stderr);
  const train = metrics().filter((m) => m.type === "train");
  assert.equal(train.length, 8);
  for (let i = 1; i < train.length; i++) assert.ok(train[i].loss < train[i - 1].loss, `step ${i + 1}: ${train[i].loss} after ${train[i - 1].loss}`);
  assert.ok(train.at(-1).loss < 0.95 * train[0].loss, `loss ${train[0].loss} → ${train.at(-1).loss}`);
  sameFiles(out, MARIAN_TINY, TOKENIZER_FILES);
  assert.equal(fs.existsSync(path.join(out, "tokenizer.json")), false);
  const manifest = readJson(out, "manifest.json");
  for (const n of TOKENIZER_FILES) assert.ok(n in manifest.files, `${n} in the manifest`);
  const state = readJson(out, "training_state.json");
  assert.deepEqual([state.options.initFrom, state.options.arch, state.options.maxLen, state.options.vocabSize], [MARIAN_TINY, "seq2seq", 512, 432]);
});

test("step 1's loss is the folder's own model's on the pairs, framed as transformers frames them", () => {
  const parts = loadForInference(MARIAN_TINY);
  const model = parts.model as Seq2Seq, V = parts.tgtTokenizer.vocabSize;
  let nats = 0, count = 0;
  for (const [, en, es] of pairs) {
    const src = parts.srcTokenizer.encode(en); // … </s>
    const labels = parts.tgtTokenizer.encode(es); // … </s>
    const dec = [parts.config.bos_id, ...labels.slice(0, -1)]; // decoder_start_token_id (<pad>) first
    const one = (ids: number[]) => ({ ids: Int32Array.from(ids), batch: 1, length: ids.length });
    const logits = inference(model, () => model.forward(one(src), one(dec)).data);
    labels.forEach((y, t) => {
      const row = logits.subarray(t * V, (t + 1) * V);
      const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
      nats += max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) - row[y];
      count++;
    });
  }
  assert.ok(Math.abs(metrics()[0].loss - nats / count) < 1e-4, `step 1 loss ${metrics()[0].loss}, the folder's ${nats / count}`);
});

test("the run translates, resumes with its tokenizers, and exports the folder's files with the run's logits", () => {
  const t = run("translate", "--checkpoint", out, pairs[0][1]);
  assert.equal(t.status, 0, t.stderr);
  assert.ok(t.stdout.trim().length > 0);
  const r = run("train", "--resume", out, "--steps", "10");
  assert.equal(r.status, 0, r.stderr);
  const train = metrics().filter((m) => m.type === "train");
  assert.deepEqual(train.map((m) => m.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(train[9].loss < train[7].loss);
  sameFiles(out, MARIAN_TINY, TOKENIZER_FILES);
  const hf = exported(out);
  sameFiles(hf, MARIAN_TINY, TOKENIZER_FILES);
  const ids = (r: number[]) => ({ ids: Int32Array.from(r), batch: 1, length: r.length });
  const logits = (dir: string) => {
    const m = loadForInference(dir).model as Seq2Seq;
    return inference(m, () => m.forward(ids([5, 17, 40, 0]), ids([431, 9, 33])).data);
  };
  assert.equal(maxDiff(logits(hf), logits(out)), 0);
});
