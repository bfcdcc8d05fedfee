import { test } from "node:test";
import assert from "node:assert/strict";
import { OptionError } from "../../src/errors.js";
import {
  type GenerationConfig, generate, repetitionPenalty, resolveGenerationConfig, stream, topK, topP, temperature,
} from "../../src/generate/index.js";
import { EncoderOnly, initParameters, parseConfig, type EncoderOnlyConfig } from "../../src/models/index.js";
import { VARIANTS, tinySeq2Seq } from "./models.js";

function rejects(cfg: object, pattern: RegExp): void {
  assert.throws(() => resolveGenerationConfig(cfg as GenerationConfig), (e: unknown) => {
    assert.ok(e instanceof OptionError, `expected OptionError, got ${String(e)}`);
    assert.match((e as Error).message, pattern);
    assert.ok(!(e as Error).message.includes("\n"));
    return true;
  });
}

test("defaults: greedy; beam 4, α 0.6, one result; sampling at temperature 1 with a drawn seed", () => {
  const g = resolveGenerationConfig();
  assert.equal(g.strategy, "greedy");
  assert.equal(g.maxNewTokens, undefined);
  assert.equal(g.repetitionPenalty, 1);
  const b = resolveGenerationConfig({ strategy: "beam" });
  assert.deepEqual([b.numBeams, b.lengthPenalty, b.numReturnSequences], [4, 0.6, 1]);
  const s = resolveGenerationConfig({ strategy: "sample" });
  assert.deepEqual([s.temperature, s.topK, s.topP], [1, undefined, undefined]);
  assert.ok(Number.isInteger(s.seed) && s.seed >= 0);
});

test("options that do not apply to the chosen search throw", () => {
  rejects({ temperature: 0.7 }, /temperature applies to sampling only, not to strategy "greedy"/);
  rejects({ topK: 5 }, /topK applies to sampling only/);
  rejects({ seed: 1 }, /seed applies to sampling only/);
  rejects({ strategy: "beam", topP: 0.9 }, /topP applies to sampling only, not to strategy "beam"/);
  rejects({ strategy: "beam", temperature: 1 }, /temperature applies to sampling only/);
  rejects({ numBeams: 4 }, /numBeams applies to beam search only/);
  rejects({ strategy: "sample", lengthPenalty: 1 }, /lengthPenalty applies to beam search only/);
  rejects({ strategy: "sample", numReturnSequences: 2 }, /numReturnSequences applies to beam search only/);
});

test("out-of-range and unknown options throw", () => {
  rejects({ strategy: "beam", numBeams: 0 }, /numBeams must be an integer ≥ 1/);
  rejects({ strategy: "beam", numBeams: 2.5 }, /numBeams must be an integer ≥ 1/);
  rejects({ strategy: "beam", numBeams: 2, numReturnSequences: 3 }, /numReturnSequences 3 is more than numBeams 2/);
  rejects({ strategy: "beam", lengthPenalty: Number.NaN }, /lengthPenalty must be a finite number/);
  rejects({ strategy: "sample", topK: 0 }, /topK must be an integer ≥ 1/);
  rejects({ strategy: "sample", topP: 0 }, /topP must be a number > 0/);
  rejects({ strategy: "sample", topP: 1.5 }, /topP must be in \(0, 1\]/);
  rejects({ strategy: "sample", temperature: 0 }, /temperature must be a number > 0/);
  rejects({ strategy: "sample", temperature: -1 }, /temperature must be a number > 0/);
  rejects({ strategy: "sample", seed: -1 }, /seed must be an integer ≥ 0/);
  rejects({ strategy: "sample", seed: 2 ** 32 }, /seed must be below 2\^32/);
  rejects({ maxNewTokens: 0 }, /maxNewTokens must be an integer ≥ 1/);
  rejects({ repetitionPenalty: 0 }, /repetitionPenalty must be a number > 0/);
  rejects({ strategy: "nucleus" }, /strategy must be one of greedy, beam, sample/);
  rejects({ top_p: 0.9 }, /unknown generation option "top_p"/);
  // an explicit undefined is the same as leaving the field out
  assert.equal(resolveGenerationConfig({ temperature: undefined }).strategy, "greedy");
});

test("bad inputs and models throw one-line OptionErrors; streaming refuses beam search", async () => {
  const model = tinySeq2Seq(VARIANTS[0]);
  assert.throws(() => generate(model, []), /no inputs/);
  assert.throws(() => generate(model, [[3], []]), /source 1 is empty/);
  assert.throws(() => generate(model, [new Array(33).fill(3)]), /source 0 has 33 tokens, more than the model's max_len 32/);
  const enc = new EncoderOnly(parseConfig({
    architecture: "encoder_only", vocab_size: 10, num_layers: 1, num_classes: 2, pooling: "first", d_model: 8, num_heads: 2, d_ff: 8,
  }) as EncoderOnlyConfig);
  initParameters(enc, 1);
  assert.throws(() => generate(enc as never, [[1, 2]]), OptionError);
  await assert.rejects(async () => {
    for await (const _ of stream(model, [[3, 4]], { strategy: "beam" })) void _;
  }, /streaming works with greedy search and sampling, not beam search/);
});

test("logits processors on hand values", () => {
  // CTRL / Hugging Face: seen tokens (0 and 1, once each however often seen) — positive ÷ θ, negative × θ
  const s = Float32Array.of(2, -1, 0.5, 3);
  repetitionPenalty(2)(s, [0, 1, 1]);
  assert.deepEqual(Array.from(s), [1, -2, 0.5, 3]);
  const t = Float32Array.of(2, -1, 0.5);
  temperature(0.5)(t, []);
  assert.deepEqual(Array.from(t), [4, -2, 1]);
  const k = Float32Array.of(0.1, 3, 2, 2, -1);
  topK(2)(k, []);
  assert.deepEqual(Array.from(k), [-Infinity, 3, 2, 2, -Infinity]); // ties with the k-th are kept
  // probabilities of [ln 5, ln 3, ln 2] are 0.5, 0.3, 0.2
  const p = Float32Array.of(Math.log(2), Math.log(5), Math.log(3));
  topP(0.75)(p, []);
  assert.deepEqual(Array.from(p).map((x) => (x === -Infinity ? "x" : "kept")), ["x", "kept", "kept"]);
  const q = Float32Array.of(Math.log(2), Math.log(5), Math.log(3));
  topP(0.45)(q, []);
  assert.deepEqual(Array.from(q).map((x) => (x === -Infinity ? "x" : "kept")), ["x", "kept", "x"]);
});
