import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { benchDecode } from "../../src/bench/decode.js";
import { describeBackend } from "../../src/backend/describe.js";
import { loadForInference } from "../../src/run/index.js";
import { CheckpointError } from "../../src/errors.js";
import { generate } from "../../src/generate/index.js";
import type { DecoderOnly, Seq2Seq } from "../../src/models/index.js";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { saveTokenizer } from "../../src/tokenizer/file.js";
import { writeCheckpoint } from "./checkpoints.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failing run: exit 1 and exactly one stderr line matching `pattern`. */
function fails(args: string[], pattern: RegExp, input?: string): void {
  const r = run(args, input);
  assert.equal(r.status, 1, `expected failure: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

const s2s = writeCheckpoint("seq2seq", { seed: 3 });
const lm = writeCheckpoint("decoder_only", { seed: 4 });

test("loadForInference: model and tokenizers; a missing or mismatched tokenizer is one CheckpointError naming the file", () => {
  const parts = loadForInference(s2s.dir);
  assert.equal(parts.config.architecture, "seq2seq");
  assert.equal(parts.srcTokenizer, parts.tgtTokenizer, "a shared vocabulary is one tokenizer");
  const sep = writeCheckpoint("seq2seq", { separate: true });
  const p2 = loadForInference(sep.dir);
  assert.notEqual(p2.srcTokenizer, p2.tgtTokenizer);
  assert.equal(p2.tgtTokenizer.encode("más texto aquí").length, sep.tgt.encode("más texto aquí").length);

  const oneLine = (dir: string, pattern: RegExp) => assert.throws(() => loadForInference(dir), (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.ok(!(e as Error).message.includes("\n"));
    assert.match((e as Error).message, pattern);
    return true;
  });
  const noTok = writeCheckpoint("decoder_only");
  fs.rmSync(path.join(noTok.dir, "tokenizer.json"));
  oneLine(noTok.dir, new RegExp(`${noTok.dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/tokenizer\\.json: missing`));
  const stray = writeCheckpoint("decoder_only");
  fs.copyFileSync(path.join(stray.dir, "tokenizer.json"), path.join(stray.dir, "tokenizer.target.json"));
  oneLine(stray.dir, /tokenizer\.target\.json: a decoder_only checkpoint has one vocabulary/);
  // a target tokenizer of another size than tgt_vocab_size
  const wrong = writeCheckpoint("seq2seq");
  saveTokenizer(Tokenizer.train(["a b c"], { vocabSize: 270, minFrequency: 1 }), path.join(wrong.dir, "tokenizer.target.json"));
  oneLine(wrong.dir, new RegExp(`tokenizer\\.target\\.json: \\d+ tokens, but config\\.json has tgt_vocab_size ${wrong.tgt.vocabSize}`));
});

test("translate: argument texts and stdin lines, one translation per line, equal to the API's; --stream prints the same", () => {
  const texts = ["In the beginning", "la tierra", "naïve café → 😀"];
  const expected = generate(s2s.model as Seq2Seq, texts.map((t) => s2s.src.encode(t))).results.map((h) => s2s.tgt.decode(h[0].tokens).replace(/\n/g, " "));
  const a = run(["translate", "--checkpoint", s2s.dir, texts.join("\n")]);
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(a.stdout.split("\n").slice(0, -1), expected);
  const b = run(["translate", "--checkpoint", s2s.dir, "--batch-size", "2"], texts.join("\n") + "\n\n");
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(b.stdout.split("\n").slice(0, -1), [...expected, ""], "an empty line gives an empty line");
  const c = run(["translate", "--checkpoint", s2s.dir, "--stream"], texts.join("\n"));
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.stdout, a.stdout);
  const beam = generate(s2s.model as Seq2Seq, texts.map((t) => s2s.src.encode(t)), { strategy: "beam", numBeams: 3, lengthPenalty: 1 }).results;
  const d = run(["translate", "--checkpoint", s2s.dir, "--beam", "3", "--length-penalty", "1"], texts.join("\n"));
  assert.equal(d.status, 0, d.stderr);
  assert.deepEqual(d.stdout.split("\n").slice(0, -1), beam.map((h) => s2s.tgt.decode(h[0].tokens).replace(/\n/g, " ")));
  const m = run(["translate", "--checkpoint", s2s.dir, "--max-new-tokens", "2", "In", "the", "beginning"]); // words are joined
  assert.equal(m.stdout, s2s.tgt.decode(generate(s2s.model as Seq2Seq, [s2s.src.encode("In the beginning")], { maxNewTokens: 2 }).results[0][0].tokens) + "\n");
});

test("translate: a text longer than max_len is truncated with a warning; bad options and checkpoints are one line", () => {
  const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
  assert.ok(s2s.src.encode(long).length > 40);
  const r = run(["translate", "--checkpoint", s2s.dir, long]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^transformer: warning: text line 1 has \d+ tokens; only the first 40 \(the model's max_len\) are translated\n$/);
  const expected = generate(s2s.model as Seq2Seq, [s2s.src.encode(long).slice(0, 40)]).results[0][0].tokens;
  assert.equal(r.stdout, s2s.tgt.decode(expected).replace(/\n/g, " ") + "\n");
  fails(["translate", "--checkpoint", s2s.dir, "--beam", "2", "--stream", "x"], /--stream works with greedy search only/);
  fails(["translate", "--checkpoint", s2s.dir, "--beam", "0", "x"], /^transformer: --beam must be an integer ≥ 1, got 0$/);
  fails(["translate", "--checkpoint", s2s.dir, "--length-penalty", "1", "x"], /--length-penalty applies to beam search only/);
  fails(["translate", "--checkpoint", lm.dir, "x"], /holds a decoder_only model; translate needs a seq2seq checkpoint \(use generate\)/);
  fails(["translate", "--checkpoint", path.join(s2s.dir, "nope"), "x"], /nope: checkpoint folder not found/);
});

test("generate: streams the continuation of a prompt; greedy equals the API; a seed repeats; errors are one line", () => {
  const prompt = lm.src.encode("In the", { addBos: true });
  const greedy = generate(lm.model as DecoderOnly, [prompt], { maxNewTokens: 12 }).results[0][0].tokens;
  const g = run(["generate", "--checkpoint", lm.dir, "--prompt", "In the", "--greedy", "--max-new-tokens", "12"]);
  assert.equal(g.status, 0, g.stderr);
  assert.equal(g.stdout, lm.src.decode(greedy) + "\n");
  const sample = generate(lm.model as DecoderOnly, [prompt], { strategy: "sample", seed: 9, temperature: 1.5, topK: 50, topP: 0.9, maxNewTokens: 12 }).results[0][0].tokens;
  const s = run(["generate", "--checkpoint", lm.dir, "--prompt", "In the", "--seed", "9", "--temperature", "1.5", "--top-k", "50", "--top-p", "0.9", "--max-new-tokens", "12"]);
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.stdout, lm.src.decode(sample) + "\n");
  assert.equal(s.stderr, "");
  const unseeded = run(["generate", "--checkpoint", lm.dir, "--max-new-tokens", "5"]);
  const seed = /^seed (\d+)\n$/.exec(unseeded.stderr);
  assert.ok(seed, `the drawn seed is printed: ${unseeded.stderr}`);
  assert.equal(run(["generate", "--checkpoint", lm.dir, "--max-new-tokens", "5", "--seed", seed[1]]).stdout, unseeded.stdout);
  fails(["generate", "--checkpoint", s2s.dir], /holds a seq2seq model; generate continues prompts with a decoder_only checkpoint \(use translate\)/);
  fails(["generate", "--checkpoint", lm.dir, "--greedy", "--temperature", "0.5"], /--temperature applies to sampling, not to --greedy/);
  fails(["generate", "--checkpoint", lm.dir, "--top-k", "0"], /^transformer: --top-k must be an integer ≥ 1, got 0$/);
});

test("bench decode: the three speeds, as a function and as JSON", () => {
  const r = benchDecode({ srcLen: 4, newTokens: 3, config: { d_model: 16, num_heads: 2, d_ff: 16, num_encoder_layers: 1, num_decoder_layers: 1, src_vocab_size: 50, tgt_vocab_size: 50 } });
  for (const k of ["greedy_cached_tokens_per_s", "greedy_uncached_tokens_per_s", "beam4_tokens_per_s"] as const) assert.ok(r[k] > 0, k);
  assert.deepEqual([r.src_len, r.new_tokens, r.preset.layers], [4, 3, "1+1"]);
  assert.equal(r.backend, describeBackend(), "the backend it ran on");
});
