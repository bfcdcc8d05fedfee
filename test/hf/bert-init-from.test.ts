/**
 * train --init-from of test/fixtures/hf/bert-tiny/classifier on labelled text (verses labelled as the fixture's
 * classifier was: "yahweh", "question", "other"): the run keeps BERT's WordPiece tokenizer.json and
 * tokenizer_config.json byte for byte. Its first step's loss is the folder's own model's cross-entropy on
 * [CLS] text [SEP], as transformers' tokenizer frames a text; a few steps lower it; the run classifies, resumes, and
 * its export loads back with the run's logits. A BERT without a classifier head is refused in one line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import type { EncoderOnly } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { loadWordPieceFolder } from "../../src/run/wordpiece-folder.js";
import { BERT_CLASSIFIER, BERT_MLM } from "./bert-fixture.js";
import { exported, maxDiff, readJson, run, sameFiles, tmp } from "./hf-export-check.js";

const ROOT = path.resolve(BERT_CLASSIFIER, "../../../../..");
const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json"];
const folder = loadWordPieceFolder(BERT_CLASSIFIER);
const labelOf = (t: string) => (t.includes("Yahweh") ? "yahweh" : t.includes("?") ? "question" : "other"); // make_bert_fixtures.py's
// verses the fixture was not trained on, short enough for max_len 64 with [CLS] and [SEP]: none is dropped
const verses = gunzipSync(fs.readFileSync(path.join(ROOT, "data/bible/web-english.train.txt.gz"))).toString("utf8").split("\n").slice(5000, 5200)
  .filter((t) => t.length > 0 && folder.tokenizer.encodeWithSpecials(t).ids.length <= 64).slice(0, 40);
const data = path.join(tmp("bert-init-"), "labelled.tsv");
fs.writeFileSync(data, ["text\tlabel", ...verses.map((t) => `${t}\t${labelOf(t)}`)].join("\n") + "\n");
const TRAIN = ["--data", data, "--valid", data, "--schedule", "cosine", "--lr", "3e-3", "--warmup", "2", "--dropout", "0", "--label-smoothing", "0", "--log-every", "1", "--batch-tokens", "100000"];
const out = path.join(tmp("bert-init-"), "run");
const trained = run("train", "--init-from", BERT_CLASSIFIER, "--out", out, "--steps", "8", ...TRAIN);
const metrics = () => fs.readFileSync(path.join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

test("a few steps from the BERT classifier lower the loss on labelled text; the run keeps its WordPiece files", () => {
  assert.equal(trained.status, 0, trained.stderr);
  assert.equal(new Set(verses.map(labelOf)).size, 3, "every label is in the data");
  const train = metrics().filter((m) => m.type === "train");
  assert.equal(train.length, 8);
  for (let i = 1; i < train.length; i++) assert.ok(train[i].loss < train[i - 1].loss, `step ${i + 1}: ${train[i].loss} after ${train[i - 1].loss}`);
  assert.ok(train.at(-1).loss < 0.9 * train[0].loss, `loss ${train[0].loss} → ${train.at(-1).loss}`);
  sameFiles(out, BERT_CLASSIFIER, TOKENIZER_FILES);
  const manifest = readJson(out, "manifest.json");
  for (const n of TOKENIZER_FILES) assert.ok(n in manifest.files, `${n} in the manifest`);
  assert.deepEqual(readJson(out, "config.json").labels, ["yahweh", "question", "other"], "id2label's order");
});

test("step 1's loss is the folder's own model's cross-entropy on [CLS] text [SEP]", () => {
  const model = folder.model as EncoderOnly;
  const labels = ["yahweh", "question", "other"];
  let nats = 0;
  for (const t of verses) {
    const ids = folder.tokenizer.encodeWithSpecials(t).ids;
    const z = inference(model, () => model.forward({ ids: Int32Array.from(ids), batch: 1, length: ids.length }).data);
    const max = Math.max(...z);
    nats += max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0)) - z[labels.indexOf(labelOf(t))];
  }
  const loss = nats / verses.length;
  assert.ok(Math.abs(metrics()[0].loss - loss) < 1e-5, `step 1 loss ${metrics()[0].loss}, the folder's ${loss}`);
});

test("the run classifies, resumes with its tokenizer, and exports a BertForSequenceClassification with the run's logits", () => {
  const c = run("classify", "--checkpoint", out, "--json", verses[0]);
  assert.equal(c.status, 0, c.stderr);
  assert.ok(["yahweh", "question", "other"].includes(JSON.parse(c.stdout).label));
  const r = run("train", "--resume", out, "--steps", "10");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(metrics().filter((m) => m.type === "train").map((m) => m.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const hf = exported(out);
  sameFiles(hf, BERT_CLASSIFIER, TOKENIZER_FILES);
  assert.deepEqual(readJson(hf, "config.json").id2label, readJson(BERT_CLASSIFIER, "config.json").id2label);
  const logits = (dir: string) => {
    const m = loadWordPieceFolder(dir).model as EncoderOnly;
    const ids = folder.tokenizer.encodeWithSpecials(verses[1]).ids;
    return inference(m, () => m.forward({ ids: Int32Array.from(ids), batch: 1, length: ids.length }).data);
  };
  assert.equal(maxDiff(logits(hf), logits(out)), 0);
  assert.ok(maxDiff(logits(hf), logits(BERT_CLASSIFIER)) > 1e-3, "trained: not the folder's logits");
});

test("a BERT without a classifier head is refused in one line", () => {
  const r = run("train", "--init-from", BERT_MLM, "--out", path.join(tmp("bert-init-"), "x"), "--steps", "2", ...TRAIN);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /a BERT with head "mlm"; runs train a classifier \(BertForSequenceClassification\) only so far/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});
