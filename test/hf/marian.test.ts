/**
 * A Hugging Face Marian folder (test/fixtures/hf/marian-tiny, laid out as Helsinki-NLP/opus-mt-*, made by
 * scripts/hf/make_marian_fixtures.py with transformers and sentencepiece) loads as seq2seq and computes what
 * transformers computed: MarianTokenizer's ids (source and target side) and decodings, sentencepiece's own ids
 * for a byte-fallback model, the logits of a padded batch, greedy and beam-4 generate() ids. No Python runs here:
 * expected/ holds their outputs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { generate } from "../../src/generate/index.js";
import type { Seq2Seq } from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { type InferenceParts, loadForInference } from "../../src/run/index.js";
import { loadSentencePiece } from "../../src/tokenizer/sentencepiece-file.js";
import { MARIAN_TINY, MARIAN_TINY_EXPECTED as EXPECTED } from "./marian-fixture.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const expected = (name: string) => {
  const bytes = fs.readFileSync(path.join(EXPECTED, name));
  return JSON.parse((name.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8"));
};

const parts: InferenceParts = loadForInference(MARIAN_TINY);
const model = parts.model as Seq2Seq;
const summary: string[] = [];
after(() => console.log(`marian-tiny vs transformers: ${summary.join("; ")}`));

test("the folder loads as seq2seq with Marian's options, its SentencePiece tokenizers over one vocab.json", () => {
  const c = parts.config;
  assert.equal(c.architecture, "seq2seq");
  if (c.architecture !== "seq2seq") return;
  assert.deepEqual(
    [c.d_model, c.num_heads, c.d_ff, c.num_encoder_layers, c.num_decoder_layers, c.activation, c.norm_first, c.final_norm, c.positional,
      c.sinusoid_layout, c.max_len, c.scale_embeddings, c.tie_word_embeddings, c.attention_dropout, c.activation_dropout],
    [32, 2, 64, 2, 2, "silu", false, false, "sinusoidal", "halves", 512, true, true, 0, 0],
  );
  const V = c.src_vocab_size;
  // <pad> is the last id and starts decoding (decoder_start_token_id); </s> is 0
  assert.deepEqual([c.pad_id, c.bos_id, c.eos_id, parts.srcTokenizer.vocabSize, parts.tgtTokenizer.vocabSize], [V - 1, V - 1, 0, V, V]);
  assert.notEqual(parts.srcTokenizer, parts.tgtTokenizer, "source.spm and target.spm");
  assert.equal(model.generator.weight, model.srcEmbed.weight, "lm_head is the shared embedding");
  assert.equal(model.tgtEmbed.weight, model.srcEmbed.weight);
  assert.equal(model.transformer.encoder.norm, null, "no final encoder norm");
});

test("source and target ids of ~1,100 held-out verses and tricky strings equal MarianTokenizer's, and decode as it does", () => {
  const e = expected("tokens.json.gz");
  let count = 0, unknown = 0;
  const unk = parts.srcTokenizer.unkId;
  for (const [side, tok, texts, ids, decoded] of [
    ["source", parts.srcTokenizer, e.sources, e.source_ids, e.source_decoded],
    ["target", parts.tgtTokenizer, e.targets, e.target_ids, e.target_decoded],
  ] as const) {
    (texts as string[]).forEach((text, i) => {
      const ours = tok.encode(text);
      assert.deepEqual(ours, ids[i], `${side} ${JSON.stringify(text)}`);
      assert.equal(tok.decode(ours), decoded[i] ?? text, `${side} decode ${JSON.stringify(text)}`);
      count += ours.length;
      unknown += ours.filter((id) => id === unk).length;
    });
  }
  assert.ok(e.sources.length >= 1000 + 30);
  assert.ok(unknown > 10, "the tricky strings reach <unk>");
  assert.ok(Object.keys(e.source_decoded).length > 10, "some texts do not round-trip (unknowns, NFKC folds)");
  summary.push(`${count} token ids of ${e.sources.length + e.targets.length} texts equal (${unknown} <unk>)`);
});

test("a byte-fallback unigram model (identity normalization) encodes the tricky strings to sentencepiece's ids", () => {
  const e = expected("byte_fallback.json");
  const sp = loadSentencePiece(path.join(EXPECTED, "byte-fallback.spm"));
  let bytes = 0;
  (e.texts as string[]).forEach((text, i) => {
    const ids = sp.encode(text).map((p) => p.id);
    assert.deepEqual(ids, e.ids[i], JSON.stringify(text));
    bytes += sp.encode(text).filter((p) => /^<0x[0-9A-F]{2}>$/.test(p.piece)).length;
  });
  assert.ok(bytes > 20, "unknown characters are spelled as byte pieces");
  summary.push(`byte fallback: ${e.texts.length} texts equal (${bytes} byte pieces)`);
});

test("logits of a padded batch equal transformers' within 1e-5 at every decoder position", () => {
  const e = expected("logits.json");
  const want = readSafetensors(path.join(EXPECTED, "logits.safetensors")).tensors.get("logits")!;
  const batch = (rows: number[][]) => ({ ids: Int32Array.from(rows.flat()), batch: rows.length, length: rows[0].length });
  assert.ok(e.attention_mask.flat().includes(0), "the source batch is padded");
  const got = inference(model, () => model.forward(batch(e.input_ids), batch(e.decoder_input_ids)).data);
  assert.equal(got.length, want.data.length);
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - want.data[i]));
  assert.ok(diff <= 1e-5, `max |Δlogit| ${diff}`);
  summary.push(`max |Δlogit| ${diff.toExponential(2)} over ${got.length} logits`);
});

interface Run {
  strategy: "greedy" | "beam";
  sources: number[][];
  outputs: number[][];
  scores?: number[];
  translations?: string[];
}
const runs: Run[] = expected("generate.json").runs;

test("greedy and beam-4 (beamConvention huggingface) generate ids equal transformers', alone and batched", () => {
  let count = 0, scoreDiff = 0;
  for (const r of runs) {
    const cfg = r.strategy === "greedy" ? {} : { strategy: "beam", numBeams: 4, lengthPenalty: 1, beamConvention: "huggingface" } as const;
    const results = generate(model, r.sources, cfg).results;
    r.sources.forEach((s, i) => {
      assert.deepEqual(results[i][0].tokens, r.outputs[i], `${r.strategy} of ${JSON.stringify(s)}`);
      assert.equal(results[i][0].finish, "eos");
      if (r.scores) scoreDiff = Math.max(scoreDiff, Math.abs(results[i][0].score - r.scores[i]));
      if (r.translations) assert.equal(parts.tgtTokenizer.decode(results[i][0].tokens), r.translations[i]);
      count += r.outputs[i].length;
    });
  }
  assert.ok(runs.some((r) => r.sources.length > 1), "a batch");
  assert.ok(scoreDiff < 1e-5, `beam scores differ by ${scoreDiff}`);
  summary.push(`${count} generated ids equal (beam scores within ${scoreDiff.toExponential(1)})`);
});

function cli(input: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("transformer translate --checkpoint <the folder> [--json] [--beam 4 --beam-convention huggingface] gives transformers' ids and text", () => {
  const beams = runs.filter((r) => r.strategy === "beam" && r.sources.length > 1)[0];
  const greedy = runs.filter((r) => r.strategy === "greedy" && r.sources.length > 1)[0];
  const texts = "In the beginning, God created the heavens and the earth.\nJesus wept.\n\n";
  assert.deepEqual(parts.srcTokenizer.encode("Jesus wept."), beams.sources[1]);
  const b = cli(texts, "translate", "--checkpoint", MARIAN_TINY, "--beam", "4", "--beam-convention", "huggingface", "--json");
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(b.stdout.trimEnd().split("\n").map((l) => JSON.parse(l)), [
    { translation: beams.translations![0], ids: beams.outputs[0] },
    { translation: beams.translations![1], ids: beams.outputs[1] },
    { translation: "", ids: [] },
  ]);
  const g = cli(texts, "translate", "--checkpoint", MARIAN_TINY);
  assert.equal(g.status, 0, g.stderr);
  assert.deepEqual(g.stdout.split("\n"), [...greedy.outputs.slice(0, 2).map((ids) => parts.tgtTokenizer.decode(ids)), "", ""]);
  const streamed = cli(texts, "translate", "--checkpoint", MARIAN_TINY, "--stream");
  assert.equal(streamed.stdout, g.stdout, "--stream prints the same lines");
  const wrong = cli("", "translate", "--checkpoint", MARIAN_TINY, "--beam-convention", "huggingface", "x");
  assert.equal(wrong.status, 1);
  assert.equal(wrong.stderr, "transformer: --beam-convention applies to beam search only (add --beam K)\n");
});

test("transformer eval --checkpoint <the folder> [--beam 4 --beam-convention huggingface] translates rows as transformers does", () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "marian-eval-"));
  const tsv = path.join(dir, "rows.tsv");
  fs.writeFileSync(tsv, "english\tspanish\nJesus wept.\tJesús lloró.\nRejoice always.\tEstad siempre gozosos.\n");
  const r = cli("", "eval", "--checkpoint", MARIAN_TINY, "--data", tsv, "--json", "--hypotheses", path.join(dir, "hyp.txt"));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).sentences, 2);
  const greedyAlone = runs.filter((x) => x.strategy === "greedy" && x.sources.length === 1);
  const want = ["Jesus wept.", "Rejoice always."].map((t) => {
    const run = greedyAlone.find((x) => JSON.stringify(x.sources[0]) === JSON.stringify(parts.srcTokenizer.encode(t)))!;
    return parts.tgtTokenizer.decode(run.outputs[0]);
  });
  assert.equal(fs.readFileSync(path.join(dir, "hyp.txt"), "utf8"), want.join("\n") + "\n");
  const beam = cli("", "eval", "--checkpoint", MARIAN_TINY, "--data", tsv, "--beam", "4", "--beam-convention", "huggingface", "--hypotheses", path.join(dir, "beam.txt"));
  assert.equal(beam.status, 0, beam.stderr);
  const beams = runs.filter((x) => x.strategy === "beam" && x.sources.length === 1);
  const wantBeam = ["Jesus wept.", "Rejoice always."].map((t) => beams.find((x) => JSON.stringify(x.sources[0]) === JSON.stringify(parts.srcTokenizer.encode(t)))!.translations![0]);
  assert.equal(fs.readFileSync(path.join(dir, "beam.txt"), "utf8"), wantBeam.join("\n") + "\n");
  fs.rmSync(dir, { recursive: true });
});
