/**
 * train --init-from: a run that starts from test/fixtures/hf/gpt2-tiny (its weights and tokenizer, GPT-2's
 * <|endoftext|> as bos, eos and pad) and is trained by our trainer on verses. Its first step's loss is that of the
 * folder's weights (they are transformers', test/hf/gpt2.test.ts); a few steps lower it; the run folder loads in
 * `generate`, and its export loads back with the run's logits. Contradicting flags are one-line errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import type { DecoderOnly } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { loadForInference } from "../../src/run/index.js";
import { GPT2_TINY } from "./fixture.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const tmp = () => fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "gpt2-init-"));

// 40 verses the fixture's tokenizer and model were not trained on (it used the first 3,000 lines)
const lines = gunzipSync(fs.readFileSync(path.join(ROOT, "data/bible/web-english.train.txt.gz"))).toString("utf8").split("\n").slice(5000, 5040);
const data = path.join(tmp(), "verses.txt");
fs.writeFileSync(data, lines.join("\n") + "\n");
// one batch holds the whole text, no dropout, no smoothing: every step's loss is the loss on the text
const TRAIN = ["--data", data, "--valid", data, "--steps", "12", "--schedule", "cosine", "--lr", "3e-3", "--warmup", "2", "--dropout", "0", "--label-smoothing", "0", "--log-every", "1"];

const out = path.join(tmp(), "run");
const trained = run("train", "--init-from", GPT2_TINY, "--out", out, ...TRAIN);
const metrics = () => fs.readFileSync(path.join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

test("a few steps from gpt2-tiny lower the loss on its text", () => {
  assert.equal(trained.status, 0, trained.stderr);
  const train = metrics().filter((m) => m.type === "train");
  const valid = metrics().filter((m) => m.type === "valid");
  assert.equal(train.length, 12);
  const first = train[0].loss, last = valid.at(-1).loss;
  assert.ok(last < 0.85 * first, `loss ${first} → ${last}`);
  for (let i = 1; i < train.length; i++) assert.ok(train[i].loss < train[i - 1].loss, `step ${i + 1}: ${train[i].loss} after ${train[i - 1].loss}`);
  const state = JSON.parse(fs.readFileSync(path.join(out, "training_state.json"), "utf8"));
  assert.deepEqual([state.options.initFrom, state.options.arch, state.options.maxLen, state.options.vocabSize], [GPT2_TINY, "decoder_only", 64, 1024]);
});

test("the run keeps the folder's model and tokenizer: its first loss is the folder's on the text, and it generates", () => {
  // the loss at step 1 is computed before any update: the folder's own model on the same windows
  const parts = loadForInference(GPT2_TINY);
  const model = parts.model as DecoderOnly;
  const eot = parts.config.eos_id;
  const stream = lines.flatMap((l) => [eot, ...parts.srcTokenizer.encode(l), eot]);
  let nats = 0, count = 0;
  for (let start = 0; start + 1 < stream.length; start += 64) {
    const w = stream.slice(start, start + 65);
    const logits = inference(model, () => model.forward({ ids: Int32Array.from(w.slice(0, -1)), batch: 1, length: w.length - 1 }).data);
    const V = parts.srcTokenizer.vocabSize;
    for (let t = 0; t + 1 < w.length; t++) {
      const row = logits.subarray(t * V, (t + 1) * V);
      const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      nats += lse - row[w[t + 1]];
      count++;
    }
  }
  assert.ok(Math.abs(metrics()[0].loss - nats / count) < 1e-4, `step 1 loss ${metrics()[0].loss}, the folder's ${nats / count}`);
  const g = run("generate", "--checkpoint", out, "--prompt", "And God said", "--greedy", "--max-new-tokens", "8", "--json");
  assert.equal(g.status, 0, g.stderr);
  const r = JSON.parse(g.stdout);
  assert.deepEqual(r.prompt_ids, [eot, ...parts.srcTokenizer.encode("And God said")], "prompted as it was trained: <|endoftext|> first");
  assert.equal(r.ids.length, 8);
});

test("the run's export loads back with the run's logits", () => {
  const hf = path.join(tmp(), "hf");
  const r = run("export", "--format", "hf", "--checkpoint", out, "--out", hf);
  assert.equal(r.status, 0, r.stderr);
  const ids = Int32Array.from([1023, 40, 77, 259, 295, 70]);
  const logits = (dir: string) => {
    const m = loadForInference(dir).model as DecoderOnly;
    return inference(m, () => m.forward({ ids, batch: 1, length: ids.length }).data);
  };
  assert.ok(Buffer.from(logits(hf).buffer).equals(Buffer.from(logits(out).buffer)));
  assert.equal(JSON.parse(fs.readFileSync(path.join(hf, "tokenizer_config.json"), "utf8")).add_bos_token, true);
  assert.equal(loadForInference(hf).addBos, true);
});

test("--init-from with --resume, with flags that contradict the folder, or with one of our folders: one line each", () => {
  const cases: [string[], RegExp][] = [
    [["--resume", out, "--init-from", GPT2_TINY], /--init-from starts a new run from a Hugging Face folder; --resume continues a run/],
    [["--init-from", GPT2_TINY, "--out", path.join(tmp(), "a"), "--arch", "seq2seq", ...TRAIN], /--arch "seq2seq" contradicts --init-from .*: loads as decoder_only; drop --arch/],
    [["--init-from", GPT2_TINY, "--out", path.join(tmp(), "b"), "--preset", "small", ...TRAIN], /--preset sets a model size, but --init-from .* gives the size/],
    [["--init-from", GPT2_TINY, "--out", path.join(tmp(), "c"), "--max-len", "32", ...TRAIN], /--max-len 32 contradicts --init-from .*: its max_len is 64/],
    [["--init-from", GPT2_TINY, "--out", path.join(tmp(), "d"), "--vocab-size", "8000", ...TRAIN], /--vocab-size 8000 contradicts .*: its tokenizer has 1024 tokens/],
    [["--init-from", out, "--out", path.join(tmp(), "e"), ...TRAIN], /config\.json is ours, not a Hugging Face one/],
  ];
  for (const [args, want] of cases) {
    const r = run("train", ...args);
    assert.notEqual(r.status, 0, args.join(" "));
    assert.match(r.stderr, want);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
