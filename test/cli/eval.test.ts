import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { corpusBleu, corpusChrf } from "../../src/eval/index.js";
import { loadForInference, trainModel } from "../../src/run/index.js";
import { writeCheckpoint } from "../generate/checkpoints.js";
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

/** Exit 1 with exactly `line` on stderr. */
function failsWith(r: ReturnType<typeof run>, line: string): void {
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stderr, `transformer: ${line}\n`);
}

test("eval --limit and --max-src-tokens select decoder_only lines and encoder_only rows as a file of just those would", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eval-select-"));
  const lm = writeCheckpoint("decoder_only", { seed: 2 });
  const lines = ["In the beginning God created the heaven and the earth.", "And the earth was without form", "and void", "la tierra",
    "En el principio creó Dios los cielos y la tierra.", "naïve café", "And God said, Let there be light: and there was light."];
  const file = (name: string, rows: string[]) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, rows.join("\n") + "\n");
    return f;
  };
  const all = file("all.txt", lines);
  const score = (...args: string[]) => {
    const r = run(["eval", "--checkpoint", lm.dir, "--json", ...args]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  assert.deepEqual(score("--data", all, "--limit", "3"), score("--data", file("first3.txt", lines.slice(0, 3))));
  const short = lines.filter((l) => lm.src.encode(l).length <= 12);
  assert.ok(short.length > 1 && short.length < lines.length);
  assert.deepEqual(score("--data", all, "--max-src-tokens", "12"), score("--data", file("short.txt", short)));
  assert.deepEqual(score("--data", all, "--max-src-tokens", "12", "--limit", "2"), score("--data", file("short2.txt", short.slice(0, 2))));
  assert.notDeepEqual(score("--data", all, "--limit", "3"), score("--data", all), "the selection changes the score");
  failsWith(run(["eval", "--checkpoint", lm.dir, "--data", all, "--max-src-tokens", "1"]), "--max-src-tokens 1 keeps none of the 7 examples (each has more tokens)");
  failsWith(run(["eval", "--checkpoint", lm.dir, "--data", all, "--beam", "2"]), `--beam applies to seq2seq checkpoints; ${lm.dir} holds a decoder_only model`);

  const labelled = path.join(tmp, "labelled.tsv");
  fs.writeFileSync(labelled, "text\tlabel\n" + lines.map((l, i) => `${l}\t${i % 3 ? "a" : "b"}`).join("\n") + "\n");
  const cls = path.join(tmp, "cls");
  await trainModel({ ...tinyOptions(labelled, cls, 1), arch: "encoder_only", valid: undefined });
  const rows = (name: string, picked: number[]) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, "text\tlabel\n" + picked.map((i) => `${lines[i]}\t${i % 3 ? "a" : "b"}`).join("\n") + "\n");
    return f;
  };
  const scoreCls = (...args: string[]) => {
    const r = run(["eval", "--checkpoint", cls, "--json", ...args]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const { srcTokenizer } = loadForInference(cls);
  const shortRows = lines.map((_, i) => i).filter((i) => srcTokenizer.encode(lines[i]).length <= 8);
  assert.ok(shortRows.length > 1 && shortRows.length < lines.length);
  assert.deepEqual(scoreCls("--data", labelled, "--limit", "4"), scoreCls("--data", rows("first4.tsv", [0, 1, 2, 3])));
  assert.equal(scoreCls("--data", labelled, "--limit", "4").examples, 4);
  assert.deepEqual(scoreCls("--data", labelled, "--max-src-tokens", "8"), scoreCls("--data", rows("short.tsv", shortRows)));
  failsWith(run(["eval", "--checkpoint", cls, "--data", labelled, "--src-col", "en"]), `--src-col applies to seq2seq checkpoints; ${cls} holds an encoder_only model`);
});

test("eval --hypotheses that cannot be written stops at once, naming the path and why", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eval-hyp-"));
  const data = smallCorpus(4, tmp);
  const s2s = writeCheckpoint("seq2seq");
  const underFile = path.join(data, "hyps.txt");
  failsWith(run(["eval", "--checkpoint", s2s.dir, "--data", data, "--hypotheses", underFile]), `--hypotheses ${underFile}: cannot write (${data} is a file, not a folder)`);
  failsWith(run(["eval", "--checkpoint", s2s.dir, "--data", data, "--hypotheses", "/proc/x"]), "--hypotheses /proc/x: cannot write (no such file or directory)");
  // before the checkpoint is even read, so before any decoding
  failsWith(run(["eval", "--checkpoint", path.join(tmp, "none"), "--data", data, "--hypotheses", "/proc/x"]), "--hypotheses /proc/x: cannot write (no such file or directory)");
  const missing = path.join(tmp, "no", "such", "hyps.txt");
  failsWith(run(["eval", "--checkpoint", s2s.dir, "--data", data, "--hypotheses", missing]), `--hypotheses ${missing}: cannot write (folder ${path.dirname(missing)} does not exist)`);
  // a writable path is written, and the check left nothing behind before it
  const ok = path.join(tmp, "hyps.txt");
  const r = run(["eval", "--checkpoint", s2s.dir, "--data", data, "--hypotheses", ok]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(ok, "utf8").split("\n").length, 5);
});

test("eval --save-rows writes the rows it scored, and scoring that file gives the same numbers", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eval-rows-"));
  const ckpt = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/tiny-en-es");
  const data = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../data/bible/web-sparv.test.tsv.gz");
  const rows = path.join(tmp, "rows.tsv");
  const a = run(["eval", "--checkpoint", ckpt, "--data", data, "--max-src-tokens", "30", "--limit", "25", "--save-rows", rows, "--json"]);
  assert.equal(a.status, 0, a.stderr);
  const lines = fs.readFileSync(rows, "utf8").trim().split("\n");
  assert.equal(lines[0], "english\tspanish");
  assert.equal(lines.length, 26);
  const b = run(["eval", "--checkpoint", ckpt, "--data", rows, "--json"]);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout));
});
