import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ortGreedySeq2Seq } from "../../src/export/ort-greedy.js";
import { generate } from "../../src/generate/index.js";
import { type Seq2Seq, type Seq2SeqConfig, tokenBatch } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { VARIANTS, tinySeq2Seq } from "../generate/models.js";
import { TOLERANCE, exported, idsAndMask, int64, maxDiff, ort, record, report, session } from "./helpers.js";

after(report);

/** Every norm order, position kind and activation; tied embeddings; unscaled embeddings. */
const MODELS: Array<{ name: string; model: () => Seq2Seq }> = [
  ...VARIANTS.map((v, i) => ({ name: v.name, model: () => tinySeq2Seq(v, 11 + i) })),
  { name: "tied embeddings, pre-LN, gelu", model: () => tinySeq2Seq(VARIANTS[1], 5, { tie_word_embeddings: true, tgt_vocab_size: 11 }) },
  { name: "unscaled embeddings, post-LN", model: () => tinySeq2Seq(VARIANTS[0], 6, { scale_embeddings: false }) },
];

const SOURCES = [[3, 4, 5, 6, 7, 8, 2], [9, 10, 2], [5, 5, 6, 2, 0, 3]]; // a pad inside the last one: masked as ours masks it
const TARGETS = [[1, 4, 5, 6, 7], [1, 8], [1, 9, 0, 3]]; // right-padded to 5; a pad inside the last one too
/** Without pads: decoder_with_past_model cannot tell which cached positions held pad (see src/export/seq2seq.ts). */
const UNPADDED_TARGETS = [[1, 4, 5, 6, 7], [1, 8, 9, 10, 3], [1, 9, 5, 3, 12]];

async function sessions(dir: string) {
  return { encoder: await session(dir, "encoder_model.onnx"), decoder: await session(dir, "decoder_model.onnx"), decoderWithPast: await session(dir, "decoder_with_past_model.onnx") };
}

test("seq2seq export: the files, their input and output names, opset 17", async () => {
  const model = tinySeq2Seq(VARIANTS[0], 1);
  const dir = exported(model);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "decoder_model.onnx", "decoder_with_past_model.onnx", "encoder_model.onnx", "generation_config.json"]);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "generation_config.json"), "utf8")), { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, decoder_start_token_id: 1, max_length: 32 });
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")), model.config);
  const s = await sessions(dir);
  assert.deepEqual(s.encoder.inputNames, ["input_ids", "attention_mask"]);
  assert.deepEqual(s.encoder.outputNames, ["last_hidden_state"]);
  const kv = (i: number, what: string, sides: string[]) => sides.flatMap((side) => [`${what}.${i}.${side}.key`, `${what}.${i}.${side}.value`]);
  assert.deepEqual(s.decoder.inputNames, ["input_ids", "encoder_attention_mask", "encoder_hidden_states"]);
  assert.deepEqual(s.decoder.outputNames, ["logits", ...[0, 1].flatMap((i) => kv(i, "present", ["decoder", "encoder"]))]);
  assert.deepEqual(s.decoderWithPast.inputNames, ["input_ids", "encoder_attention_mask", ...[0, 1].flatMap((i) => kv(i, "past_key_values", ["decoder", "encoder"]))]);
  assert.deepEqual(s.decoderWithPast.outputNames, ["logits", ...[0, 1].flatMap((i) => kv(i, "present", ["decoder"]))]);
});

for (const { name, model: make } of MODELS) {
  test(`seq2seq ${name}: ONNX Runtime's encoder states and logits equal ours on padded batches, with and without the cache`, async () => {
    const model = make();
    const c: Seq2SeqConfig = model.config;
    const s = await sessions(exported(model));
    const src = tokenBatch(SOURCES, c.pad_id), tgt = tokenBatch(TARGETS, c.pad_id), full = tokenBatch(UNPADDED_TARGETS.map((r) => r.map((t) => t % c.tgt_vocab_size)));
    const ours = inference(model, () => {
      const enc = model.encode(src);
      // (B, T, V)
      return { memory: enc.memory.data, logits: model.logits(model.decode(tgt, enc)).data, unpadded: model.logits(model.decode(full, enc)).data };
    });
    const srcFeeds = idsAndMask(src, c.pad_id);
    const enc = await s.encoder.run(srcFeeds);
    assert.ok(record("seq2seq encoder last_hidden_state", maxDiff(enc.last_hidden_state.data as Float32Array, ours.memory)) < TOLERANCE);

    // teacher forcing: every target position at once; the graph masks the target's pads as ours does
    const first = await s.decoder.run({ input_ids: idsAndMask(tgt, c.pad_id).input_ids, encoder_hidden_states: enc.last_hidden_state, encoder_attention_mask: srcFeeds.attention_mask });
    assert.deepEqual(first.logits.dims, [3, 5, c.tgt_vocab_size]);
    assert.ok(record("seq2seq logits", maxDiff(first.logits.data as Float32Array, ours.logits)) < TOLERANCE);

    // the cache: the first 2 positions through decoder_model, then one at a time through decoder_with_past_model
    const V = c.tgt_vocab_size, T = full.length, B = full.batch;
    const column = (ids: ArrayLike<number>, t: number) => Array.from({ length: B }, (_, b) => Number(ids[b * T + t]));
    const prefix = (t: number) => Array.from({ length: B }, (_, b) => Array.from(full.ids.subarray(b * T, b * T + t))).flat();
    let out = await s.decoder.run({ input_ids: int64(prefix(2), [B, 2]), encoder_hidden_states: enc.last_hidden_state, encoder_attention_mask: srcFeeds.attention_mask });
    const past: Record<string, ort.Tensor> = {};
    const keep = (o: Record<string, ort.Tensor>) => {
      for (const [k, v] of Object.entries(o)) if (k.startsWith("present.")) past[k.replace("present.", "past_key_values.")] = v;
    };
    keep(out);
    for (let t = 2; t < T; t++) {
      out = await s.decoderWithPast.run({ input_ids: int64(column(full.ids, t), [B, 1]), encoder_attention_mask: srcFeeds.attention_mask, ...past });
      keep(out);
      const want = Array.from({ length: B }, (_, b) => Array.from(ours.unpadded.subarray((b * T + t) * V, (b * T + t + 1) * V))).flat();
      assert.ok(record("seq2seq logits (KV cache)", maxDiff(out.logits.data as Float32Array, want)) < TOLERANCE, `step ${t}`);
    }
    assert.deepEqual(out[`present.0.decoder.key`].dims, [B, c.num_heads, T, c.d_model / c.num_heads]);
  });

  test(`seq2seq ${name}: greedy decoding driven through ONNX Runtime's KV cache gives our token ids`, async () => {
    const model = make();
    const s = await sessions(exported(model));
    const sources = [...SOURCES.map((r) => r.filter((t) => t !== 0)), [4], [6, 7, 8, 9, 10, 3, 4, 5]];
    for (const maxNewTokens of [undefined, 4]) {
      const ours = generate(model, sources, { strategy: "greedy", maxNewTokens }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
      const theirs = await ortGreedySeq2Seq(ort, s, model.config, sources, { maxNewTokens });
      assert.deepEqual(theirs, ours);
    }
  });
}

test("seq2seq: decoding that reaches max_len stops there, through ONNX Runtime as in the library", async () => {
  const model = tinySeq2Seq(VARIANTS[3], 3, { max_len: 6 });
  const s = await sessions(exported(model));
  const sources = [[3, 4, 5], [6, 2]];
  const ours = generate(model, sources, { strategy: "greedy" }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
  assert.deepEqual(await ortGreedySeq2Seq(ort, s, model.config, sources), ours);
  assert.ok(ours.some((r) => r.finish === "max_len"), JSON.stringify(ours));
});

test("seq2seq: a model that emits pad mid-sentence decodes through ONNX Runtime as ours (the driver leaves the cache then)", async () => {
  const model = tinySeq2Seq(VARIANTS[0], 2);
  model.generator.bias!.data[model.config.pad_id] += 1; // pad now wins at some steps, not at all
  const s = await sessions(exported(model));
  const sources = [[3, 4, 5, 6, 7, 8, 2], [9, 10, 2], [5, 5, 6, 2, 3], [4], [6, 7, 8, 9, 10, 3, 4, 5]];
  const ours = generate(model, sources, { strategy: "greedy" }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
  assert.ok(ours.some((r) => r.tokens.slice(0, -1).includes(0) && r.tokens.some((t) => t !== 0)), "the case is there: pad fed back mid-sentence");
  assert.deepEqual(await ortGreedySeq2Seq(ort, s, model.config, sources), ours);
});
