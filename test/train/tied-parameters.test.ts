import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.js";
import { Seq2Seq, buildModel, parseConfig, type Seq2SeqConfig } from "../../src/models/index.js";
import { Adam, clipGradNorm } from "../../src/train/index.js";
import { presetConfig } from "../../src/train/presets.js";

const V = 9;
const D = 8;

function tiedSeq2Seq(): Seq2Seq {
  const cfg = parseConfig({
    architecture: "seq2seq", d_model: D, num_heads: 2, d_ff: 16, src_vocab_size: V, tgt_vocab_size: V,
    num_encoder_layers: 1, num_decoder_layers: 1, dropout: 0, tie_word_embeddings: true,
  }) as Seq2SeqConfig;
  return new Seq2Seq(cfg);
}

test("a tied weight gets one Adam slot, under its first name, and one update per step", () => {
  const m = tiedSeq2Seq();
  const lr = 0.01;
  const adam = new Adam(m.namedParameters(), { lr, betas: [0.9, 0.98], eps: 1e-9 });
  assert.equal(adam.slots.size, m.namedParameters({ withAliases: true }).length - 2);
  assert.ok(adam.slots.has("src_embed.weight"));
  assert.ok(!adam.slots.has("tgt_embed.weight") && !adam.slots.has("generator.weight"));

  const w = m.srcEmbed.weight;
  const before = Float32Array.from(w.data);
  const g = new Float32Array(w.size);
  for (let i = 0; i < g.length; i++) g[i] = ((i % 7) - 3) * 0.1;
  w.grad = g;
  adam.step();
  // Adam's first step, by hand: m̂ = g, v̂ = g², so each weight moves by lr · g / (|g| + eps) (once; twice would be 2·lr)
  for (let i = 0; i < g.length; i++) {
    const expected = before[i] - (lr * g[i]) / (Math.abs(g[i]) + 1e-9);
    assert.ok(Math.abs(w.data[i] - expected) < 1e-7, `element ${i}: ${w.data[i]} vs ${expected}`);
  }
});

test("Adam refuses a tensor listed under two names", () => {
  const m = tiedSeq2Seq();
  assert.throws(() => new Adam(m.namedParameters({ withAliases: true }), { lr: 1 }),
    /"tgt_embed\.weight" is the same tensor as "src_embed\.weight"/);
});

test("clipGradNorm counts a tied weight once and scales it once", () => {
  const m = tiedSeq2Seq();
  m.srcEmbed.weight.grad = new Float32Array(V * D).fill(0.5);
  m.generator.bias!.grad = new Float32Array(V).fill(1);
  const norm = Math.sqrt(V * D * 0.25 + V); // by hand: the only gradients are these two
  assert.ok(Math.abs(clipGradNorm(m.parameters(), 1e9) - norm) < 1e-9 * norm);
  // every name, as a state_dict walk lists them: the shared tensor three times, still one contribution
  const everyName = m.namedParameters({ withAliases: true }).map(([, t]) => t);
  assert.equal(everyName.filter((t) => t === m.srcEmbed.weight).length, 3);
  assert.ok(Math.abs(clipGradNorm(everyName, 1) - norm) < 1e-9 * norm);
  const coef = 1 / (norm + 1e-6);
  assert.ok(Math.abs(m.srcEmbed.weight.grad[0] - 0.5 * coef) < 1e-7, `${m.srcEmbed.weight.grad[0]} vs ${0.5 * coef}`);
  assert.ok(Math.abs(m.generator.bias!.grad[0] - coef) < 1e-7);
});

test("presetConfig passes tieWordEmbeddings into the config", () => {
  const o = { srcVocabSize: 50, tgtVocabSize: 50, maxLen: 32, dropout: 0 };
  assert.equal(presetConfig("seq2seq", "tiny", o).tie_word_embeddings, false);
  const tied = buildModel(presetConfig("seq2seq", "tiny", { ...o, tieWordEmbeddings: true })) as Seq2Seq;
  assert.equal(tied.generator.weight, tied.srcEmbed.weight);
  assert.throws(() => presetConfig("seq2seq", "tiny", { ...o, tgtVocabSize: 60, tieWordEmbeddings: true }), ConfigError);
  assert.throws(() => presetConfig("encoder_only", "tiny", { ...o, numClasses: 2, tieWordEmbeddings: true }), ConfigError);
});
