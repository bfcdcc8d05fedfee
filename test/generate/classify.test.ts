import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { classify, topLabels } from "../../src/generate/index.js";
import type { EncoderOnly } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { bpeTokenizer, loadForInference, trainModel } from "../../src/run/index.js";
import { loadDataset } from "../../src/architectures/registry.js";
import type { TrainBatch } from "../../src/train/loss.js";
import { writeCheckpoint } from "./checkpoints.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const run = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input });

/** Texts of animal or colour words, labelled by the set they are drawn from; `mixed` of them draw from both. */
function wordRows(n: number, mixed: number, seed: number): string[][] {
  const sets = { animal: ["cat", "dog", "horse", "cow", "sheep", "goat"], colour: ["red", "blue", "green", "black", "white", "yellow"] };
  let s = seed;
  const rnd = (k: number) => (s = (s * 1103515245 + 12345) % 2147483648) % k;
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? "animal" : "colour";
    const other = label === "animal" ? "colour" : "animal";
    const words = Array.from({ length: 3 + rnd(5) }, () => sets[i % 4 < mixed * 4 && rnd(2) ? other : label][rnd(6)]);
    return [words.join(" "), label];
  });
}

const tsv = (rows: string[][]) => "text\tlabel\n" + rows.map((r) => r.join("\t")).join("\n") + "\n";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "classify-"));
const ckpt = path.join(tmp, "run");
const train = path.join(tmp, "train.tsv");
fs.writeFileSync(train, tsv(wordRows(64, 0.25, 7)));
// held out, every third one mislabelled: the model gets some wrong, so the accuracies compared are not trivially 1
const heldOut = wordRows(24, 0.25, 11).map(([text, label], i) => [text, i % 3 ? label : label === "animal" ? "colour" : "animal"]);
const heldOutFile = path.join(tmp, "held-out.tsv");
fs.writeFileSync(heldOutFile, tsv(heldOut));

const trained = trainModel({
  arch: "encoder_only", data: train, out: ckpt, steps: 10, vocabSize: 300, maxLen: 16, batchTokens: 256, dropout: 0,
  lrFactor: 0.05, warmup: 4, logEvery: 100, evalEvery: 100, saveEvery: 100,
});

test("classify: probabilities sum to 1, the label is the most probable, label names from config.json; batching changes nothing", async () => {
  await trained;
  const { model, srcTokenizer } = loadForInference(ckpt);
  const texts = heldOut.map((r) => r[0]);
  const results = classify(model, srcTokenizer, texts, { batchSize: 5 });
  assert.equal(results.length, texts.length);
  for (const r of results) {
    assert.deepEqual(r.probabilities.map((p) => p.label), ["animal", "colour"]);
    assert.ok(Math.abs(r.probabilities.reduce((s, p) => s + p.probability, 0) - 1) < 1e-12);
    const best = r.probabilities.reduce((a, b) => (b.probability > a.probability ? b : a));
    assert.equal(r.label, best.label);
    assert.deepEqual(topLabels(r, 1), [best]);
    assert.equal(r.truncatedTokens, 0);
  }
  const labels = new Set(results.map((r) => r.label));
  assert.equal(labels.size, 2, "the trained model tells the two sets apart, at least sometimes");
  const one = classify(model, srcTokenizer, texts, { batchSize: 1 });
  one.forEach((r, i) => {
    assert.equal(r.label, results[i].label);
    r.probabilities.forEach((p, k) => assert.ok(Math.abs(p.probability - results[i].probabilities[k].probability) < 1e-5));
  });
  // the same probabilities as the model gives the rows the way training and eval feed them (loadDataset's batches)
  const c = model.config;
  const data = loadDataset({
    arch: "encoder_only", file: heldOutFile, srcTokenizer: bpeTokenizer(srcTokenizer, "test"), tgtTokenizer: bpeTokenizer(srcTokenizer, "test"), maxLen: c.max_len, labels: ["animal", "colour"],
    special: { pad: c.pad_id, bos: c.bos_id, eos: c.eos_id }, srcCol: "", tgtCol: "", textCol: "text", labelCol: "label", onBadRow: "stop",
  });
  const { batch } = data.batch(texts.map((_, i) => i));
  const logits = inference(model, () => (model as EncoderOnly).forward((batch as Extract<TrainBatch, { kind: "encoder_only" }>).ids).data.slice());
  results.forEach((r, i) => {
    const [a, b] = [logits[2 * i], logits[2 * i + 1]];
    assert.ok(Math.abs(r.probabilities[0].probability - 1 / (1 + Math.exp(b - a))) < 1e-5, `row ${i}`);
  });
  const long = classify(model, srcTokenizer, [Array(40).fill("cat").join(" ")])[0];
  assert.equal(long.truncatedTokens, srcTokenizer.encode(Array(40).fill("cat").join(" ")).length - 15);
});

test("classify CLI: its labels score the accuracy eval reports on the same rows; --top, --json and stdin", async () => {
  await trained;
  const texts = heldOut.map((r) => r[0]);
  const c = run(["classify", "--checkpoint", ckpt, "--json", ...texts]);
  assert.equal(c.status, 0, c.stderr);
  const lines = c.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.text), texts);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l).sort(), ["label", "probabilities", "text"]);
    const p = l.probabilities as Record<string, number>;
    assert.ok(Math.abs(p.animal + p.colour - 1) < 1e-12);
    assert.equal(l.label, p.animal > p.colour ? "animal" : "colour");
  }
  const correct = lines.filter((l, i) => l.label === heldOut[i][1]).length;
  assert.ok(correct > 0 && correct < texts.length, `${correct} of ${texts.length} right: the comparison below is not vacuous`);
  const e = run(["eval", "--checkpoint", ckpt, "--data", heldOutFile, "--json"]);
  assert.equal(e.status, 0, e.stderr);
  const scores = JSON.parse(e.stdout);
  assert.equal(scores.examples, texts.length);
  assert.equal(scores.accuracy, correct / texts.length);
  // and over the first 10 rows, as eval --limit selects them
  const e10 = JSON.parse(run(["eval", "--checkpoint", ckpt, "--data", heldOutFile, "--json", "--limit", "10"]).stdout);
  assert.equal(e10.examples, 10);
  assert.equal(e10.accuracy, lines.slice(0, 10).filter((l, i) => l.label === heldOut[i][1]).length / 10);

  const plain = run(["classify", "--checkpoint", ckpt, "--top", "2"], texts.slice(0, 3).join("\n") + "\n");
  assert.equal(plain.status, 0, plain.stderr);
  assert.deepEqual(plain.stdout.trim().split("\n"), lines.slice(0, 3).map((l) => {
    const [a, b] = Object.entries(l.probabilities as Record<string, number>).sort((x, y) => y[1] - x[1]);
    return `${a[0]}\t${a[1].toFixed(4)}\t${b[0]}\t${b[1].toFixed(4)}`;
  }));
  const top1 = run(["classify", "--checkpoint", ckpt, texts[0]]);
  assert.equal(top1.stdout, `${lines[0].label}\t${lines[0].probabilities[lines[0].label].toFixed(4)}\n`);
});

test("classify CLI refuses a checkpoint that is not encoder_only, in one line", () => {
  const lm = writeCheckpoint("decoder_only");
  const r = run(["classify", "--checkpoint", lm.dir, "some text"]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /holds a decoder_only model; classify needs an encoder_only checkpoint \(use generate\)/);
});
