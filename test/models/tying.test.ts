import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ConfigError } from "../../src/errors.js";
import {
  DecoderOnly, Seq2Seq, buildModel, initParameters, parseConfig, type DecoderOnlyConfig, type Seq2SeqConfig,
} from "../../src/models/index.js";
import { Rng, Tensor } from "../../src/tensor/index.js";

const SMALL = { d_model: 8, num_heads: 2, d_ff: 16, dropout: 0 };
const seq2seqRaw = (extra: object = {}) => ({
  architecture: "seq2seq", ...SMALL, src_vocab_size: 9, tgt_vocab_size: 9, num_encoder_layers: 1, num_decoder_layers: 1, ...extra,
});
const tiedSeq2Seq = () => new Seq2Seq(parseConfig(seq2seqRaw({ tie_word_embeddings: true })) as Seq2SeqConfig);

function configError(raw: object, pattern: RegExp): void {
  assert.throws(() => parseConfig(raw, "x/config.json"), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(!(e as Error).message.includes("\n"));
    assert.match((e as Error).message, pattern);
    return true;
  });
}

test("tie_word_embeddings: false unless asked; refused without one vocabulary, and for encoder_only", () => {
  assert.equal(parseConfig(seq2seqRaw()).tie_word_embeddings, false);
  assert.equal(parseConfig(seq2seqRaw({ tie_word_embeddings: true })).tie_word_embeddings, true);
  configError(seq2seqRaw({ tie_word_embeddings: "yes" }), /^x\/config\.json: "tie_word_embeddings" must be true or false/);
  configError(seq2seqRaw({ tie_word_embeddings: true, tgt_vocab_size: 10 }),
    /^x\/config\.json: "tie_word_embeddings" needs one vocabulary .*"src_vocab_size" 9 and "tgt_vocab_size" 10$/);
  const enc = { architecture: "encoder_only", ...SMALL, vocab_size: 9, num_layers: 1, num_classes: 2, pooling: "first" };
  configError({ ...enc, tie_word_embeddings: true }, /"tie_word_embeddings" is not available for encoder_only/);
  assert.equal(parseConfig({ ...enc, tie_word_embeddings: false }).tie_word_embeddings, false);
});

test("tied seq2seq: both embeddings and the generator are one tensor; the generator keeps its own bias", () => {
  const m = tiedSeq2Seq();
  assert.equal(m.tgtEmbed.weight, m.srcEmbed.weight);
  assert.equal(m.generator.weight, m.srcEmbed.weight);
  assert.ok(m.generator.bias);
  const untied = buildModel(parseConfig(seq2seqRaw())) as Seq2Seq;
  assert.notEqual(untied.generator.weight, untied.srcEmbed.weight);
  assert.notEqual(untied.tgtEmbed.weight, untied.srcEmbed.weight);
  assert.equal(m.namedParameters().length, untied.namedParameters().length - 2);
});

test("tied decoder_only: the embedding and lm_head are one tensor", () => {
  const raw = { architecture: "decoder_only", ...SMALL, vocab_size: 9, num_layers: 1, tie_word_embeddings: true };
  const m = new DecoderOnly(parseConfig(raw) as DecoderOnlyConfig);
  assert.equal(m.lmHead.weight, m.embed.weight);
  assert.deepEqual(m.namedParameters({ withAliases: true }).filter(([, t]) => t === m.embed.weight).map(([n]) => n), ["embed.weight", "lm_head.weight"]);
});

test("the embeddings are scaled by √d_model, the projection uses the raw shared matrix", () => {
  const m = tiedSeq2Seq();
  const W = m.srcEmbed.weight;
  for (let i = 0; i < W.size; i++) W.data[i] = Math.sin(i + 1);
  m.generator.bias!.data.fill(0.25);
  const row = (k: number) => Array.from(W.data.subarray(k * 8, k * 8 + 8));
  const scaled = (k: number) => row(k).map((x) => x * Math.sqrt(8));
  assertClose(Array.from(m.srcEmbed.forward(Int32Array.of(4), [1, 1]).data), scaled(4));
  assertClose(Array.from(m.tgtEmbed.forward(Int32Array.of(4), [1, 1]).data), scaled(4));
  // logits of the hidden vector W[3]: W[3] · W[v] + b[v] for every v, by hand
  const logits = m.logits(Tensor.from(row(3), [1, 8]));
  const byHand = Array.from({ length: 9 }, (_, v) => row(3).reduce((s, x, j) => s + x * row(v)[j], 0) + 0.25);
  assertClose(Array.from(logits.data), byHand);
});

function assertClose(actual: number[], expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol * (1 + Math.abs(expected[i])), `element ${i}: ${a} vs ${expected[i]}`));
}

test("untied models initialise exactly as before tying existed (digests of initParameters(seed 7) from then)", () => {
  const pinned: Array<[object, string]> = [
    [{ architecture: "seq2seq", d_model: 16, num_heads: 4, d_ff: 32, src_vocab_size: 11, tgt_vocab_size: 13, num_encoder_layers: 2, num_decoder_layers: 2, positional: "learned", max_len: 20 },
      "8857cb84216f81320b427fc2ba7c7cfb1db73f6170602be88228692ad8b24e1a"],
    [{ architecture: "decoder_only", d_model: 16, num_heads: 4, d_ff: 32, vocab_size: 12, num_layers: 2 },
      "e7a595f31878e98884f2f9559398b684ea9efc67e4bbbd219af907aeebf696c1"],
    [{ architecture: "encoder_only", d_model: 16, num_heads: 4, d_ff: 32, vocab_size: 12, num_layers: 2, num_classes: 3, pooling: "mean" },
      "ca3950cc5d90618f828ac8898a6c3e100b3c6116ce18f62860efb21138f6cf04"],
  ];
  for (const [raw, digest] of pinned) {
    const m = buildModel(parseConfig(raw));
    initParameters(m, 7);
    const h = createHash("sha256");
    for (const [n, p] of m.namedParameters()) {
      h.update(n);
      h.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
    }
    assert.equal(h.digest("hex"), digest, (raw as { architecture: string }).architecture);
  }
});

test("a tied matrix is initialised once: Xavier over (V, d_model), and the next parameter draws right after it", () => {
  const m = tiedSeq2Seq();
  initParameters(m, 3);
  const rng = new Rng(3);
  const xavier = (rows: number, cols: number) => {
    const bound = Math.sqrt(6 / (rows + cols));
    return Array.from({ length: rows * cols }, () => Math.fround((rng.uniform() * 2 - 1) * bound));
  };
  assert.deepEqual(Array.from(m.srcEmbed.weight.data), xavier(9, 8));
  const names = m.namedParameters().map(([n]) => n);
  assert.equal(names[1], "transformer.encoder.layers.0.self_attn.in_proj_weight");
  assert.deepEqual(Array.from(m.transformer.encoder.layers.items[0].selfAttn.inProjWeight.data), xavier(24, 8));
  assert.ok(m.generator.bias!.data.every((x) => x === 0));
});
