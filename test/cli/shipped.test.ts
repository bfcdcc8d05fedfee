/**
 * The shipped English→Spanish model (models/en-es/): what a fresh clone translates with, and the numbers its card
 * and the page show. These tests read the real files, so a model replaced without its card, or a card whose
 * numbers are not what the CLI measures, fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { ShippedScores } from "../../src/run/index.js";
import { shippedModelDir } from "../../src/run/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");
const MODEL = path.join(ROOT, "models/en-es");
const run = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd });
const VERSE = "In the beginning God created the heavens and the earth.";

test("the shipped model is where the CLI looks, and holds a model card, scores, and F16 weights of at most 25 MB", () => {
  assert.equal(shippedModelDir(), MODEL);
  for (const f of ["config.json", "tokenizer.json", "model.safetensors", "README.md", "scores.json"]) {
    assert.ok(fs.existsSync(path.join(MODEL, f)), `models/en-es/${f} is missing`);
  }
  const weights = path.join(MODEL, "model.safetensors");
  assert.ok(fs.statSync(weights).size <= 25 * 1024 * 1024, `model.safetensors is ${fs.statSync(weights).size} bytes`);
  // the header read by hand (u64 length, then JSON), not by our reader: the dtype the file really stores
  const bytes = fs.readFileSync(weights);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString("utf8")) as Record<string, { dtype?: string }>;
  const dtypes = new Set(Object.entries(header).filter(([k]) => k !== "__metadata__").map(([, t]) => t.dtype));
  assert.deepEqual([...dtypes], ["F16"]);
  const s = JSON.parse(fs.readFileSync(path.join(MODEL, "scores.json"), "utf8")) as ShippedScores;
  assert.equal(s.test.examples, 883);
  const card = fs.readFileSync(path.join(MODEL, "README.md"), "utf8");
  // the card states the same scores as scores.json (which the page shows)
  for (const x of [s.test.greedy.bleu, s.test.beam4.bleu, s.test.greedy.chrf, s.test.beam4.chrf]) {
    assert.ok(card.includes(x.toFixed(2)), `the card does not state ${x.toFixed(2)}`);
  }
});

test("translate without --checkpoint uses the shipped model, from any folder, and says so on stderr", () => {
  const given = run(["translate", "--checkpoint", MODEL, VERSE]);
  assert.equal(given.status, 0, given.stderr);
  const dflt = run(["translate", VERSE], path.join(ROOT, "test"));
  assert.equal(dflt.status, 0, dflt.stderr);
  assert.equal(dflt.stdout, given.stdout);
  assert.match(dflt.stderr, /no --checkpoint: using the shipped English→Spanish model/);
  assert.match(dflt.stdout, /Dios/, "a verse the model has nearly seen (Genesis 1:1) names God in Spanish");
});

test("scores.json's greedy BLEU and chrF are what eval measures on the 883 test verses", () => {
  const s = JSON.parse(fs.readFileSync(path.join(MODEL, "scores.json"), "utf8")) as ShippedScores;
  const e = run(["eval", "--data", path.join(ROOT, s.test.data), "--json"]);
  assert.equal(e.status, 0, e.stderr);
  const got = JSON.parse(e.stdout) as { bleu: number; chrf: number; sentences: number };
  assert.equal(got.sentences, s.test.examples);
  assert.equal(got.bleu.toFixed(2), s.test.greedy.bleu.toFixed(2));
  assert.equal(got.chrf.toFixed(2), s.test.greedy.chrf.toFixed(2));
});
