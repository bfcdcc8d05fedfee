/**
 * A Hugging Face GPT-2 folder (test/fixtures/hf/gpt2-tiny, made by scripts/hf/make_fixtures.py with transformers)
 * loads as decoder_only and computes what transformers computed: the tokenizer's ids, the logits, greedy and
 * beam-4 generate() ids. No Python runs here: expected/ holds transformers' outputs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "../../src/generate/index.js";
import type { DecoderOnly } from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { type InferenceParts, loadForInference, promptIds } from "../../src/run/index.js";
import { GPT2_TINY, GPT2_TINY_EXPECTED as EXPECTED } from "./fixture.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const expected = (name: string) => JSON.parse(fs.readFileSync(path.join(EXPECTED, name), "utf8"));

const parts: InferenceParts = loadForInference(GPT2_TINY);
const model = parts.model as DecoderOnly;
const summary: string[] = [];
after(() => console.log(`gpt2-tiny vs transformers: ${summary.join("; ")}`));

test("the folder loads as decoder_only with GPT-2's options", () => {
  assert.equal(parts.config.architecture, "decoder_only");
  const c = parts.config;
  assert.deepEqual(
    [c.d_model, c.num_heads, c.d_ff, c.activation, c.norm_first, c.positional, c.max_len, c.scale_embeddings, c.tie_word_embeddings, c.layer_norm_eps],
    [32, 2, 128, "gelu_tanh", true, "learned", 64, false, true, 1e-5],
  );
  assert.deepEqual([c.pad_id, c.bos_id, c.eos_id, parts.srcTokenizer.vocabSize], [1023, 1023, 1023, 1024]); // <|endoftext|> plays all three
  assert.equal(parts.addBos, false, "GPT-2's tokenizer adds no bos");
  assert.equal(model.lmHead.weight, model.embed.weight, "lm_head is wte");
});

test("the tokenizer encodes ~1,000 held-out verses and tricky strings to transformers' ids, and decodes them as it does", () => {
  // decodings are listed where they differ from the text
  const { texts, ids, decoded, decoded_with_specials: withSpecials } = expected("tokens.json");
  assert.ok(Object.keys(decoded).length > 0); // texts with <|endoftext|> lose it
  let count = 0;
  texts.forEach((text: string, i: number) => {
    const ours = parts.srcTokenizer.encode(text);
    assert.deepEqual(ours, ids[i], JSON.stringify(text));
    assert.equal(parts.srcTokenizer.decode(ours), decoded[i] ?? text, `decode ${JSON.stringify(text)}`);
    assert.equal(parts.srcTokenizer.decode(ours, { skipSpecial: false }), withSpecials[i] ?? text, `decode with specials ${JSON.stringify(text)}`);
    count += ours.length;
  });
  assert.ok(texts.length >= 1000);
  summary.push(`${count} token ids of ${texts.length} texts equal`);
});

/** Our logits at the real tokens of a case, in its row-major order (as logits.safetensors stores transformers'). */
function ourLogits(c: { ids: number[][]; attention_mask?: number[][]; position_ids?: number[][] }): Float32Array {
  const B = c.ids.length, T = c.ids[0].length;
  const batch = { ids: Int32Array.from(c.ids.flat()), batch: B, length: T };
  const mask = c.attention_mask?.flat() ?? new Array<number>(B * T).fill(1);
  const keyPad = mask.includes(0) ? Uint8Array.from(mask, (m) => 1 - m) : null;
  const positions = c.position_ids ? Int32Array.from(c.position_ids.flat()) : undefined;
  const logits = inference(model, () => model.forward(batch, { keyPad, positions }).data); // (B, T, V)
  const V = model.config.vocab_size;
  const real: number[] = [];
  mask.forEach((m, i) => {
    if (m === 1) real.push(...logits.subarray(i * V, (i + 1) * V));
  });
  return Float32Array.from(real);
}

test("logits equal transformers' within 1e-5: left-padded (with generate()'s position ids), right-padded, all 64 positions", () => {
  const { cases } = expected("logits.json");
  const { tensors } = readSafetensors(path.join(EXPECTED, "logits.safetensors"));
  let worst = 0, count = 0;
  for (const name of ["left", "right", "full"]) {
    const want = tensors.get(name)!;
    let got = ourLogits(cases[name]);
    if (cases[name].rows) {
      const V = model.config.vocab_size; // transformers' file keeps these rows of it
      got = Float32Array.from((cases[name].rows as number[]).flatMap((r) => [...got.subarray(r * V, (r + 1) * V)]));
    }
    assert.equal(got.length, want.data.length, name);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - want.data[i]));
    assert.ok(diff <= 1e-5, `${name}: max |Δlogit| ${diff}`);
    worst = Math.max(worst, diff);
    count += got.length;
  }
  summary.push(`max |Δlogit| ${worst.toExponential(2)} over ${count} logits`);
});

interface Run {
  strategy: "greedy" | "beam";
  prompts: number[][];
  max_new_tokens: number;
  outputs: number[][][];
  num_beams?: number;
  num_return_sequences?: number;
  length_penalty?: number;
  scores?: number[][];
}

const runs: Run[] = expected("generate.json").runs;

test("greedy generate ids equal transformers', alone and as a left-padded batch", () => {
  let count = 0;
  for (const r of runs.filter((r) => r.strategy === "greedy")) {
    const results = generate(model, r.prompts, { strategy: "greedy", maxNewTokens: r.max_new_tokens }).results;
    r.prompts.forEach((p, i) => {
      assert.deepEqual(results[i][0].tokens, r.outputs[i][0], `prompt ${JSON.stringify(p)}`);
      count += r.outputs[i][0].length;
    });
  }
  summary.push(`${count} greedy ids equal`);
});

test("beam-4 generate ids (all returned sequences, in order) and scores equal transformers' with beamConvention huggingface", () => {
  let count = 0, scoreDiff = 0, gnmtDiffers = 0;
  const beams = runs.filter((r) => r.strategy === "beam");
  assert.ok(beams.length >= 10);
  for (const r of beams) {
    const base = { strategy: "beam", numBeams: r.num_beams, numReturnSequences: r.num_return_sequences, lengthPenalty: r.length_penalty, maxNewTokens: r.max_new_tokens } as const;
    const results = generate(model, r.prompts, { ...base, beamConvention: "huggingface" }).results;
    const gnmt = generate(model, r.prompts, base).results;
    r.prompts.forEach((p, i) => {
      const where = `prompt ${JSON.stringify(p)}, α ${r.length_penalty}`;
      assert.deepEqual(results[i].map((h) => h.tokens), r.outputs[i], where);
      results[i].forEach((h, k) => (scoreDiff = Math.max(scoreDiff, Math.abs(h.score - r.scores![i][k]))));
      count += r.outputs[i].flat().length;
      if (JSON.stringify(gnmt[i].map((h) => h.tokens)) !== JSON.stringify(r.outputs[i])) gnmtDiffers++;
    });
  }
  assert.ok(scoreDiff < 1e-4, `scores differ by ${scoreDiff}`);
  summary.push(`${count} beam ids equal (scores within ${scoreDiff.toExponential(1)}; our default gnmt convention gives other beams for ${gnmtDiffers} of the prompts)`);
});

test("promptIds: the text's tokens alone (no bos), an empty prompt as bos alone, as transformers prompts GPT-2", () => {
  assert.deepEqual(promptIds(parts, "And God said"), runs[0].prompts[0]);
  assert.deepEqual(promptIds(parts, ""), [1023]);
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("npx transformer generate --checkpoint <the folder>: greedy text and --json ids as transformers'; beam search; attention", () => {
  const greedy = runs.find((r) => r.strategy === "greedy" && JSON.stringify(r.prompts) === JSON.stringify([promptIds(parts, "And God said")]))!;
  const want = parts.srcTokenizer.decode(greedy.outputs[0][0]);
  const plain = cli("generate", "--checkpoint", GPT2_TINY, "--prompt", "And God said", "--greedy", "--max-new-tokens", "24");
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(plain.stdout, want + "\n");
  const json = cli("generate", "--checkpoint", GPT2_TINY, "--prompt", "And God said", "--greedy", "--max-new-tokens", "24", "--json");
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { text: want, ids: greedy.outputs[0][0], prompt_ids: greedy.prompts[0], finish: "length" });

  const beam = runs.find((r) => r.strategy === "beam" && r.length_penalty === 1 && r.prompts.length === 1 && JSON.stringify(r.prompts[0]) === JSON.stringify(promptIds(parts, "In the beginning")))!;
  const b = cli("generate", "--checkpoint", GPT2_TINY, "--prompt", "In the beginning", "--beam", "4", "--beam-convention", "huggingface", "--max-new-tokens", "24", "--json");
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(JSON.parse(b.stdout).ids, beam.outputs[0][0]);
  const wrong = cli("generate", "--checkpoint", GPT2_TINY, "--greedy", "--beam-convention", "huggingface");
  assert.equal(wrong.status, 1);
  assert.equal(wrong.stderr, "transformer: --beam-convention applies to beam search only (add --beam K)\n");

  const out = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "gpt2-attn-")), "a.svg");
  const a = cli("attention", "--checkpoint", GPT2_TINY, "--out", out, "And God said");
  assert.equal(a.status, 0, a.stderr);
  assert.match(fs.readFileSync(out, "utf8"), /<svg /);
  fs.rmSync(path.dirname(out), { recursive: true });
});
