/**
 * The doors on the tiny BERT folders (scripts/hf/make_bert_fixtures.py): fill-mask gives the top-k ids and scores of
 * transformers' pipeline("fill-mask"), classify the labels and probabilities of pipeline("text-classification"),
 * attention the weights transformers returns (output_attentions), by the library and by `transformer fill-mask`,
 * `transformer classify` and `transformer attention`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as fs from "node:fs";
import * as os from "node:os";
import { classifyWordPiece, fillMask, inspectWordPiece } from "../../src/generate/masked-lm.js";
import { loadWordPieceFolder } from "../../src/run/wordpiece-folder.js";
import { BERT_CLASSIFIER, BERT_MLM, bertExpected } from "./bert-fixture.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const fills = bertExpected("fill_mask.json");
const classified = bertExpected("classify.json");

test("fill-mask: the top-5 ids of pipeline('fill-mask'), their scores within 1e-5 and their sequences", () => {
  const { model, tokenizer } = loadWordPieceFolder(BERT_MLM);
  for (const run of fills.runs) {
    const [mask, ...rest] = fillMask(model, tokenizer, run.text, { topK: fills.top_k }).masks;
    assert.equal(rest.length, 0);
    assert.deepEqual(mask.map((f) => f.id), run.token_ids, run.text);
    mask.forEach((f, i) => {
      assert.ok(Math.abs(f.score - run.scores[i]) <= 1e-5, `${run.text}: score ${f.score} vs ${run.scores[i]}`);
      assert.equal(f.sequence, run.sequences[i]);
    });
    assert.ok(run.scores[0] - run.scores[fills.top_k - 1] > 1e-3, "not a near-tie");
  }
});

test("classify: pipeline('text-classification')'s probabilities within 1e-5, labels from id2label", () => {
  const { model, tokenizer } = loadWordPieceFolder(BERT_CLASSIFIER);
  const results = classifyWordPiece(model, tokenizer, classified.runs.map((r: { text: string }) => r.text), { batchSize: 3 });
  const labels = new Set<string>();
  results.forEach((r, i) => {
    const want: Record<string, number> = classified.runs[i].scores;
    for (const p of r.probabilities) assert.ok(Math.abs(p.probability - want[p.label]) <= 1e-5, `${p.label}: ${p.probability} vs ${want[p.label]}`);
    assert.equal(r.label, Object.entries(want).sort((a, b) => b[1] - a[1])[0][0]);
    labels.add(r.label);
  });
  assert.ok(labels.size >= 2, "the texts get different labels");
});

test("transformer fill-mask --checkpoint <BertForMaskedLM folder> [--top K] [--json]", () => {
  const run = fills.runs[1];
  const plain = cli("fill-mask", "--checkpoint", BERT_MLM, run.text);
  assert.equal(plain.status, 0, plain.stderr);
  assert.deepEqual(plain.stdout.trim().split("\t").filter((_, i) => i % 2 === 0), run.tokens);
  const json = cli("fill-mask", "--checkpoint", BERT_MLM, "--top", "3", "--json", run.text);
  assert.equal(json.status, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.text, run.text);
  assert.deepEqual(out.masks[0].map((f: { id: number }) => f.id), run.token_ids.slice(0, 3));
  const two = cli("fill-mask", "--checkpoint", BERT_MLM, "The [MASK] is my [MASK].");
  assert.equal(two.stdout.trim().split("\n").length, 2, "one line per mask");
});

test("transformer classify --checkpoint <BertForSequenceClassification folder> [--json]: label names and probabilities", () => {
  const texts = classified.runs.map((r: { text: string }) => r.text);
  const plain = cli("classify", "--checkpoint", BERT_CLASSIFIER, ...texts);
  assert.equal(plain.status, 0, plain.stderr);
  const want = classified.runs.map((r: { scores: Record<string, number> }) => Object.entries(r.scores).sort((a, b) => b[1] - a[1])[0]);
  assert.deepEqual(plain.stdout.trim().split("\n").map((l) => l.split("\t")[0]), want.map((w: [string, number]) => w[0]));
  const json = cli("classify", "--checkpoint", BERT_CLASSIFIER, "--json", texts[1]);
  const out = JSON.parse(json.stdout);
  assert.equal(out.label, want[1][0]);
  assert.deepEqual(Object.keys(out.probabilities).sort(), ["other", "question", "yahweh"]);
  assert.ok(Math.abs(out.probabilities[want[1][0]] - want[1][1]) <= 1e-5);
});

test("a folder with the other head is refused by name: classify on a masked-LM, fill-mask on a classifier or on our own folders", () => {
  const mlm = cli("classify", "--checkpoint", BERT_MLM, "x");
  assert.equal(mlm.status, 1);
  assert.equal(mlm.stderr.trim(), 'transformer: this encoder_only model has head "mlm"; classify needs head "classifier" (use fill-mask)');
  const cls = cli("fill-mask", "--checkpoint", BERT_CLASSIFIER, "a [MASK]");
  assert.equal(cls.stderr.trim(), 'transformer: this encoder_only model has head "classifier"; fill-mask needs head "mlm" (a masked-LM model: BertForMaskedLM)');
  const none = cli("fill-mask", "--checkpoint", BERT_MLM, "no mask here");
  assert.equal(none.stderr.trim(), 'transformer: no [MASK] in the text "no mask here"; write [MASK] where a word is to be predicted');
});

test("attention: every layer's and head's weights equal transformers' (output_attentions) within 1e-5; the CLI draws them", () => {
  const want = bertExpected("attention.json");
  const { model, tokenizer } = loadWordPieceFolder(BERT_MLM);
  const { inspection } = inspectWordPiece(model, tokenizer, want.text);
  assert.deepEqual(inspection.sourceIds, want.ids);
  assert.equal(inspection.attention.length, want.weights.length);
  let worst = 0;
  inspection.attention.forEach((a, layer) => {
    const flat = (want.weights[layer] as number[][][]).flat(2);
    assert.equal(a.weights.length, flat.length);
    flat.forEach((w, i) => (worst = Math.max(worst, Math.abs(a.weights[i] - w))));
  });
  assert.ok(worst <= 1e-5, `max |Δweight| ${worst}`);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bert-attention-")), "a.svg");
  const r = cli("attention", "--checkpoint", BERT_MLM, "--all-layers", "--out", out, want.text);
  assert.equal(r.status, 0, r.stderr);
  const svg = fs.readFileSync(out, "utf8");
  for (const label of ["[CLS]", "[MASK]", "[SEP]", "encoder self-attention, layer 2, head 2"]) assert.ok(svg.includes(label), label);
  fs.rmSync(path.dirname(out), { recursive: true });
});
