import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { trainModel } from "../../src/run/index.js";
import { tinyOptions } from "../helpers/train-fixtures.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const verses = gunzipSync(fs.readFileSync(path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"))).toString("utf8")
  .split("\n").slice(1).filter(Boolean).map((l) => l.split("\t"));

function lossesOf(dir: string): number[] {
  return fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => m.type === "train").map((m) => m.loss);
}

test("decoder_only learns from plain text (loss falls on a small corpus)", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lm-"));
  const data = path.join(tmp, "text.txt");
  fs.writeFileSync(data, verses.slice(0, 12).map((v) => v[1]).join("\n") + "\n");
  const out = path.join(tmp, "run");
  await trainModel({ ...tinyOptions(data, out, 12), arch: "decoder_only", valid: undefined, maxLen: 32, dropout: 0, lrFactor: 2 });
  const l = lossesOf(out);
  assert.ok(l.at(-1)! < l[0] - 0.5, `losses ${l.map((x) => x.toFixed(2)).join(" ")}`);
});

test("encoder_only learns labels from a text/label TSV", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cls-"));
  const data = path.join(tmp, "labelled.tsv");
  // label: does the verse mention "God"? A real property of the text, learnable from its tokens
  const rows = verses.slice(0, 24).map((v) => `${v[1]}\t${/\bGod\b/.test(v[1]) ? "god" : "other"}`);
  fs.writeFileSync(data, "text\tlabel\n" + rows.join("\n") + "\n");
  const out = path.join(tmp, "run");
  await trainModel({ ...tinyOptions(data, out, 12), arch: "encoder_only", maxLen: 80, batchTokens: 2000, dropout: 0, lrFactor: 2 });
  const l = lossesOf(out);
  assert.ok(l.at(-1)! < l[0], `losses ${l.map((x) => x.toFixed(2)).join(" ")}`);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.deepEqual(cfg.labels, ["god", "other"]);
  assert.equal(cfg.num_classes, 2);
});
