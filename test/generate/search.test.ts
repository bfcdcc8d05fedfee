import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { generate, greedyDecodeUncached, lengthPenalty, type Hypothesis } from "../../src/generate/index.js";
import { type Seq2Seq, tokenBatch } from "../../src/models/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { Rng, noGrad } from "../../src/tensor/index.js";
import { VARIANTS, handMadeDecoderOnly, tinyDecoderOnly, tinySeq2Seq } from "./models.js";

const REF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference/seq2seq_greedy");
/** The reference seq2seq checkpoint, trained by PyTorch to reverse its input (source ids 3..10). */
const reverser = loadCheckpoint(REF).model as Seq2Seq;

function randomSources(n: number, seed: number, lo = 3, hi = 10, minLen = 3, maxLen = 7): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: minLen + rng.int(maxLen - minLen + 1) }, () => lo + rng.int(hi - lo + 1)));
}

/** Uncached reference rows (bos y… eos pad…) → the generated tokens alone, as `generate` returns them. */
function stripReference(row: number[], eos: number): number[] {
  const body = row.slice(1);
  const end = body.indexOf(eos);
  return end < 0 ? body : body.slice(0, end + 1);
}

/** Σ log p of `tokens` after bos, from one uncached forward pass: an independent check of search scores. */
function sequenceLogProb(model: Seq2Seq, src: number[], tokens: number[]): number {
  return noGrad(() => {
    const V = model.config.tgt_vocab_size;
    const logits = model.forward(tokenBatch([src]), tokenBatch([[model.config.bos_id, ...tokens.slice(0, -1)]])).data;
    let total = 0;
    tokens.forEach((tok, t) => {
      const row = Array.from(logits.subarray(t * V, (t + 1) * V));
      const max = Math.max(...row);
      total += row[tok] - max - Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    });
    return total;
  });
}

test("cached greedy equals the uncached reference decoder token for token on the PyTorch case", () => {
  const c = JSON.parse(fs.readFileSync(path.join(REF, "case.json"), "utf8"));
  const src: number[][] = c.inputs.src.map((r: number[]) => r.filter((x) => x !== 0)); // generate pads itself
  const out = generate(reverser, src, { maxNewTokens: c.max_new_tokens });
  const expected = (c.expected.tokens as number[][]).map((r) => stripReference(r, 2));
  assert.deepEqual(out.results.map((h) => h[0].tokens), expected);
  assert.deepEqual(out.results.map((h) => h[0].finish), ["eos", "eos", "eos"]);
});

for (const v of VARIANTS) {
  test(`cached greedy equals uncached greedy on random weights, padded batch (${v.name})`, () => {
    const model = tinySeq2Seq(v, 5).eval(); // the reference decoder does not switch dropout off itself
    const src = randomSources(6, 1, 3, 10, 1, 9);
    const reference = greedyDecodeUncached(model, tokenBatch(src, 0), 20).map((r) => stripReference(r, 2));
    const out = generate(model, src, { maxNewTokens: 20 });
    assert.deepEqual(out.results.map((h) => h[0].tokens), reference);
  });
}

test("decoder_only: a batch of prompts of different lengths generates what each prompt generates alone", () => {
  for (const v of VARIANTS) {
    const model = tinyDecoderOnly(v, 12);
    const prompts = [[1, 5, 6, 7, 8, 9], [1], [1, 9, 4]];
    for (const cfg of [{ maxNewTokens: 10 }, { strategy: "beam" as const, numBeams: 3, maxNewTokens: 10 }, { strategy: "sample" as const, seed: 2, maxNewTokens: 10 }]) {
      const batched = generate(model, prompts, cfg).results;
      prompts.forEach((p, i) => {
        const alone = generate(model, [p], cfg).results[0];
        if (cfg.strategy === "sample") {
          // one generator serves the batch, so samples differ from a lone run; the lengths still fit
          assert.ok(batched[i][0].tokens.length <= 10);
        } else {
          assert.deepEqual(batched[i][0].tokens, alone[0].tokens, `${v.name} ${cfg.strategy ?? "greedy"} prompt ${i}`);
          assert.ok(Math.abs(batched[i][0].logProb - alone[0].logProb) < 1e-4);
        }
      });
    }
  }
});

test("beam size 1 is greedy search, token for token and score for score", () => {
  const models = [reverser, tinySeq2Seq(VARIANTS[0], 3), tinySeq2Seq(VARIANTS[1], 4)];
  for (const model of models) {
    const src = randomSources(8, 2);
    const greedy = generate(model, src, { maxNewTokens: 15 }).results;
    for (const lengthPenalty of [0, 0.6, 2]) {
      const beam = generate(model, src, { strategy: "beam", numBeams: 1, lengthPenalty, maxNewTokens: 15 }).results;
      beam.forEach((hyps, i) => {
        assert.deepEqual(hyps[0].tokens, greedy[i][0].tokens, `input ${i}, α ${lengthPenalty}`);
        assert.ok(Math.abs(hyps[0].logProb - greedy[i][0].logProb) < 1e-4);
      });
    }
  }
});

test("beam search never returns a worse length-normalised score than greedy (trained reverser), and its scores are right", () => {
  // in-distribution sources (the reverser was trained on 3..7 tokens); far beyond that, beam search with early
  // stopping can end below greedy on a few inputs, as any beam search can
  const src = randomSources(60, 7);
  const greedy = generate(reverser, src).results;
  for (const alpha of [0, 0.6, 1]) {
    const beam = generate(reverser, src, { strategy: "beam", numBeams: 4, lengthPenalty: alpha }).results;
    beam.forEach((hyps, i) => {
      const g = greedy[i][0];
      const b = hyps[0];
      const gScore = g.logProb / lengthPenalty(g.tokens.length, alpha);
      assert.ok(b.score >= gScore - 1e-6, `input ${i}, α ${alpha}: beam ${b.score} < greedy ${gScore}`);
      // the score is log P / lp(|Y|) with log P recomputed by a plain forward pass
      const logP = sequenceLogProb(reverser, src[i], b.tokens);
      assert.ok(Math.abs(b.logProb - logP) < 1e-4, `logProb ${b.logProb} vs forward ${logP}`);
      assert.ok(Math.abs(b.score - logP / lengthPenalty(b.tokens.length, alpha)) < 1e-4);
      assert.equal(b.finish, "eos");
    });
  }
  // on random weights (a flat, uncertain model) beam search finds better sequences than greedy for some inputs
  const flat = tinySeq2Seq(VARIANTS[0], 11);
  const rsrc = randomSources(12, 3);
  const g = generate(flat, rsrc, { maxNewTokens: 8 }).results;
  const b = generate(flat, rsrc, { strategy: "beam", numBeams: 4, lengthPenalty: 0, maxNewTokens: 8 }).results;
  const wins = b.filter((h, i) => h[0].score > g[i][0].score + 1e-6).length;
  assert.ok(wins > 0, "beam search never beat greedy on an uncertain model: is it searching?");
});

test("beam search: n-best sorted by normalised score, batched equals one at a time, every beam ends", () => {
  const model = tinySeq2Seq(VARIANTS[1], 8);
  const src = randomSources(5, 9, 3, 10, 2, 8);
  const cfg = { strategy: "beam" as const, numBeams: 5, numReturnSequences: 3, lengthPenalty: 0.6, maxNewTokens: 12 };
  const batched = generate(model, src, cfg).results;
  src.forEach((s, i) => {
    const alone = generate(model, [s], cfg).results[0];
    assert.equal(batched[i].length, 3);
    assert.deepEqual(batched[i].map((h) => h.tokens), alone.map((h) => h.tokens), `input ${i}`);
    for (let r = 1; r < 3; r++) assert.ok(batched[i][r - 1].score >= batched[i][r].score);
    const distinct = new Set(batched[i].map((h) => h.tokens.join(",")));
    assert.equal(distinct.size, 3, "the n-best are different hypotheses");
    for (const h of batched[i]) {
      assert.ok(h.tokens.length <= 12);
      if (h.finish === "eos") assert.equal(h.tokens.at(-1), 2);
      else assert.equal(h.tokens.length, 12);
      const logP = sequenceLogProb(model, s, h.tokens);
      assert.ok(Math.abs(h.logProb - logP) < 1e-4, `logProb ${h.logProb} vs forward ${logP}`);
    }
  });
});

test("default length limit: source length + 50 (seq2seq), 50 (decoder_only), and the model's max_len", () => {
  const model = tinySeq2Seq(VARIANTS[0], 2, { max_len: 128 });
  model.generator.bias!.data[2] = -1e9; // never eos
  const out = generate(model, [[3, 4, 5], [6, 7, 8, 9, 10, 3, 4]]).results;
  assert.deepEqual(out.map((h) => [h[0].tokens.length, h[0].finish]), [[53, "length"], [57, "length"]]);
  const beam = generate(model, [[3, 4, 5]], { strategy: "beam", numBeams: 2 }).results;
  assert.deepEqual(beam[0].map((h) => [h.tokens.length, h.finish]), [[53, "length"]]);
  const short = tinySeq2Seq(VARIANTS[0], 2); // max_len 32: positions 0..31 hold bos and 31 fed tokens
  short.generator.bias!.data[2] = -1e9;
  const capped = generate(short, [[3, 4, 5]]).results[0][0];
  assert.deepEqual([capped.tokens.length, capped.finish], [32, "max_len"]);
  const lm = handMadeDecoderOnly({ vocabSize: 6, constant: [-30, -30, -30, 1, 0, -1], maxLen: 64 }); // never eos
  assert.deepEqual([generate(lm, [[1]]).results[0][0].tokens.length, generate(lm, [[1]]).results[0][0].finish], [50, "length"]);
  // a 61-token prompt takes positions 0..60: three generated tokens are fed at 61..63, the fourth cannot be
  const near = generate(lm, [[1, ...new Array(60).fill(4)], [1]], { maxNewTokens: 10 }).results;
  assert.deepEqual(near.map((h) => [h[0].tokens.length, h[0].finish]), [[4, "max_len"], [10, "length"]]);
});

test("sampling: top-k 1 and top-p → 0 are greedy; a seed repeats; another seed differs", () => {
  for (const model of [tinySeq2Seq(VARIANTS[0], 6), tinyDecoderOnly(VARIANTS[1], 6)]) {
    const inputs = model.config.architecture === "seq2seq" ? randomSources(6, 4) : [[1, 5, 6], [1], [1, 9, 9, 9]];
    const tokens = (r: Hypothesis[][]) => r.map((h) => h[0].tokens);
    const greedy = tokens(generate(model, inputs, { maxNewTokens: 12 }).results);
    assert.deepEqual(tokens(generate(model, inputs, { strategy: "sample", topK: 1, temperature: 3, seed: 5, maxNewTokens: 12 }).results), greedy);
    assert.deepEqual(tokens(generate(model, inputs, { strategy: "sample", topP: 1e-9, temperature: 3, seed: 6, maxNewTokens: 12 }).results), greedy);
    // temperature 5 flattens 13 tokens almost to uniform: two seeds drawing the same 6×12 tokens is impossible in practice
    const cfg = { strategy: "sample" as const, temperature: 5, maxNewTokens: 12 };
    const a = generate(model, inputs, { ...cfg, seed: 42 });
    const again = generate(model, inputs, { ...cfg, seed: 42 });
    const other = generate(model, inputs, { ...cfg, seed: 43 });
    assert.equal(a.seed, 42);
    assert.deepEqual(tokens(again.results), tokens(a.results));
    assert.notDeepEqual(tokens(other.results), tokens(a.results));
    const unseeded = generate(model, inputs, cfg);
    assert.ok(Number.isInteger(unseeded.seed), "an unseeded run reports the seed it drew");
    assert.deepEqual(tokens(generate(model, inputs, { ...cfg, seed: unseeded.seed }).results), tokens(unseeded.results));
  }
});

/** Frequencies of the first sampled token over n identical one-token prompts. */
function frequencies(model: ReturnType<typeof handMadeDecoderOnly>, n: number, cfg: object): number[] {
  const out = generate(model, Array.from({ length: n }, () => [1]), { strategy: "sample", maxNewTokens: 1, seed: 1, ...cfg }).results;
  const counts = new Array<number>(model.config.vocab_size).fill(0);
  for (const h of out) counts[h[0].tokens[0]]++;
  return counts.map((c) => c / n);
}

test("sampling frequencies follow softmax(logits / T), and top-k / top-p renormalise over what they keep", () => {
  const logits = [-30, -30, -30, 1, 0, -1]; // pad, bos, eos never drawn
  const model = handMadeDecoderOnly({ vocabSize: 6, constant: logits, maxLen: 3 });
  const softmaxT = (T: number, keep = [3, 4, 5]) => {
    const e = logits.map((z, j) => (keep.includes(j) ? Math.exp(z / T) : 0));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const n = 6000; // binomial sd ≤ 0.0065
  for (const [cfg, expected] of [
    [{ temperature: 0.5 }, softmaxT(0.5)],
    [{}, softmaxT(1)],
    [{ temperature: 2 }, softmaxT(2)],
    [{ topK: 2 }, softmaxT(1, [3, 4])],
    [{ topP: 0.7 }, softmaxT(1, [3, 4])], // 0.665 < 0.7, so the second token is kept too
    [{ topP: 0.6 }, softmaxT(1, [3])],
  ] as Array<[object, number[]]>) {
    const f = frequencies(model, n, cfg);
    expected.forEach((p, j) => assert.ok(Math.abs(f[j] - p) < 0.03, `${JSON.stringify(cfg)} token ${j}: ${f[j].toFixed(3)} vs ${p.toFixed(3)}`));
  }
});

test("repetition penalty: tokens already seen are penalised (CTRL), through greedy search", () => {
  // logits: token 3 → 1, token 4 → 0.8, token 5 → -1 at every position; θ = 1.5
  const model = handMadeDecoderOnly({ vocabSize: 6, constant: [-30, -30, -30, 1, 0.8, -1], maxLen: 8 });
  assert.deepEqual(generate(model, [[1]], { maxNewTokens: 4 }).results[0][0].tokens, [3, 3, 3, 3]);
  // step 2: 1/1.5 = 0.67 < 0.8 → 4; then both are seen: 0.67 > 0.53 → 3 (the penalty does not compound)
  assert.deepEqual(generate(model, [[1]], { maxNewTokens: 4, repetitionPenalty: 1.5 }).results[0][0].tokens, [3, 4, 3, 3]);
  // the prompt counts as seen: 3 in the prompt → 4 first
  assert.deepEqual(generate(model, [[1, 3]], { maxNewTokens: 2, repetitionPenalty: 1.5 }).results[0][0].tokens, [4, 3]);
  // negative logits are multiplied (dividing would raise them): 3 → -1 becomes -1.5, below 4's -1.2
  const negative = handMadeDecoderOnly({ vocabSize: 6, constant: [-30, -30, -30, -1, -1.2, -3], maxLen: 8 });
  assert.deepEqual(generate(negative, [[1]], { maxNewTokens: 4, repetitionPenalty: 1.5 }).results[0][0].tokens, [3, 4, 3, 3]);
});

test("the scripted model emits its script (a check of the test helper itself)", () => {
  const model = handMadeDecoderOnly({ vocabSize: 8, script: [3, 4, 4, 7, 5, 2] });
  const h = generate(model, [[1]]).results[0][0];
  assert.deepEqual(h.tokens, [3, 4, 4, 7, 5, 2]);
  assert.equal(h.finish, "eos");
});
