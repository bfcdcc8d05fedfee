import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "../../src/generate/index.js";
import { tokenLabel } from "../../src/inspect/index.js";
import type { Seq2Seq } from "../../src/models/index.js";
import { writeCheckpoint } from "../generate/checkpoints.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "inspect-cli-"));

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => unescapeXml(m[1]));
}

test("attention: writes an SVG with the source tokens and the decoder's tokens on the axes", () => {
  const ck = writeCheckpoint("seq2seq", { seed: 5 });
  const text = "naïve café <&> the earth";
  const file = path.join(OUT, "att.svg");
  const r = run("attention", "--checkpoint", ck.dir, "--out", file, ...text.split(" "));
  assert.equal(r.status, 0, r.stderr);
  const svg = fs.readFileSync(file, "utf8");
  const src = ck.src.encode(text);
  const out = generate(ck.model as Seq2Seq, [src]).results[0][0].tokens;
  const tgt = [1, ...(out.at(-1) === 2 ? out.slice(0, -1) : out)].slice(0, 40); // the decoder reads max_len positions
  const label = tokenLabel(ck.src);
  const heads = 2;
  assert.deepEqual(texts(svg, "col-label"), Array.from({ length: heads + 1 }, () => src.map(label)).flat());
  assert.deepEqual(texts(svg, "row-label"), Array.from({ length: heads + 1 }, () => tgt.map(label)).flat());
  assert.ok(texts(svg, "col-label").some((t) => t.includes("<") || t.includes("&")), "markup characters survive escaping");
  assert.equal((svg.match(/<rect class="cell"/g) ?? []).length, (heads + 1) * src.length * tgt.length);
  assert.match(r.stdout, new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`));

  const all = path.join(OUT, "all.svg");
  assert.equal(run("attention", "--checkpoint", ck.dir, "--out", all, "--all-layers", text).status, 0);
  const svgAll = fs.readFileSync(all, "utf8");
  const S = src.length, T = tgt.length; // one encoder and one decoder layer
  assert.equal((svgAll.match(/<rect class="cell"/g) ?? []).length, heads * (S * S + T * T + T * S));

  const lm = writeCheckpoint("decoder_only", { seed: 6 });
  const lmFile = path.join(OUT, "lm.svg");
  const l = run("attention", "--checkpoint", lm.dir, "--out", lmFile, "--max-new-tokens", "3", "In the");
  assert.equal(l.status, 0, l.stderr);
  const prompt = lm.src.encode("In the", { addBos: true });
  assert.equal(texts(fs.readFileSync(lmFile, "utf8"), "row-label").length, (heads + 1) * (prompt.length + 3));
  const bad = run("attention", "--checkpoint", ck.dir, "--out", path.join(OUT, "no/such/dir/a.svg"), "x");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^transformer: --out .*a\.svg: cannot write/);
});

test("positions: length × d_model cells; bad sizes are one-line errors", () => {
  const file = path.join(OUT, "pos.svg");
  const r = run("positions", "--d-model", "32", "--length", "20", "--out", file);
  assert.equal(r.status, 0, r.stderr);
  const svg = fs.readFileSync(file, "utf8");
  assert.equal((svg.match(/<rect class="cell"/g) ?? []).length, 32 * 20);
  assert.deepEqual(texts(svg, "axis-name"), ["dimension", "position"]);
  const bad = run("positions", "--d-model", "0", "--length", "5", "--out", file);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, "transformer: --d-model must be at least 1, got 0\n");
  const big = run("positions", "--d-model", "4096", "--length", "4096", "--out", file);
  assert.match(big.stderr, /^transformer: --d-model 4096 × --length 4096 is 16777216 cells; at most 1,000,000 are drawn\n$/);
});
