import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { corpusBleu, corpusChrf } from "../../src/eval/index.js";
import { trainModel } from "../../src/run/index.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const run = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input });

test("eval --json reports the BLEU and chrF of what translate outputs, over every row", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eval-"));
  const data = smallCorpus(12, tmp);
  const ckpt = path.join(tmp, "run");
  await trainModel({ ...tinyOptions(data, ckpt, 3), valid: undefined });
  const e = run(["eval", "--checkpoint", ckpt, "--data", data, "--json"]);
  assert.equal(e.status, 0, e.stderr);
  const scores = JSON.parse(e.stdout);
  assert.deepEqual(Object.keys(scores).sort(), ["bleu", "chrf", "sentences"]);
  const rows = fs.readFileSync(data, "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
  assert.equal(scores.sentences, rows.length);
  const t = run(["translate", "--checkpoint", ckpt], rows.map((r) => r[1]).join("\n") + "\n");
  assert.equal(t.status, 0, t.stderr);
  const hyps = t.stdout.split("\n").slice(0, rows.length);
  const refs = rows.map((r) => r[2]);
  assert.equal(scores.bleu, corpusBleu(hyps, refs).score);
  assert.equal(scores.chrf, corpusChrf(hyps, refs).score);
  // a checkpoint folder without its tokenizer: one line naming the file
  fs.rmSync(path.join(ckpt, "tokenizer.json"));
  const bad = run(["eval", "--checkpoint", ckpt, "--data", data]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  assert.match(bad.stderr, /tokenizer\.json: missing/);
});
