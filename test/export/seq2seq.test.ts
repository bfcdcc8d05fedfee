import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ortGreedySeq2Seq } from "../../src/export/ort-greedy.js";
import { generate } from "../../src/generate/index.js";
import { type Seq2Seq, type Seq2SeqConfig, tokenBatch } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { VARIANTS, tinySeq2Seq } from "../generate/models.js";
import { modelProtoType } from "../../src/export/writer.js";
import { TOLERANCE, exported, idsAndMask, int64, maxDiff, mergedFeeds, ort, record, report, seq2seqSessions } from "./helpers.js";

after(report);

/** Every norm order, position kind and activation; tied embeddings; unscaled embeddings. */
const MODELS: Array<{ name: string; model: () => Seq2Seq }> = [
  ...VARIANTS.map((v, i) => ({ name: v.name, model: () => tinySeq2Seq(v, 11 + i) })),
  { name: "tied embeddings, pre-LN, gelu", model: () => tinySeq2Seq(VARIANTS[1], 5, { tie_word_embeddings: true, tgt_vocab_size: 11 }) },
  { name: "unscaled embeddings, post-LN", model: () => tinySeq2Seq(VARIANTS[0], 6, { scale_embeddings: false }) },
];

const SOURCES = [[3, 4, 5, 6, 7, 8, 2], [9, 10, 2], [5, 5, 6, 2, 0, 3]]; // a pad inside the last one: masked as ours masks it
const TARGETS = [[1, 4, 5, 6, 7], [1, 8], [1, 9, 0, 3]]; // right-padded to 5; a pad inside the last one too
/** Without pads: the cached branch cannot tell which cached positions held pad (see src/export/seq2seq.ts). */
const UNPADDED_TARGETS = [[1, 4, 5, 6, 7], [1, 8, 9, 10, 3], [1, 9, 5, 3, 12]];

const sessions = seq2seqSessions;
const json = (dir: string, file: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));

test("seq2seq export: the files transformers.js reads, their input and output names, opset 17", async () => {
  const model = tinySeq2Seq(VARIANTS[0], 1);
  const c = model.config;
  const dir = exported(model);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "generation_config.json", "onnx", "transformer_config.json"]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "onnx")).sort(), ["decoder_model_merged.onnx", "encoder_model.onnx"]);
  assert.deepEqual(json(dir, "generation_config.json"), { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, decoder_start_token_id: 1, max_length: 32 });
  assert.deepEqual(json(dir, "transformer_config.json"), c);
  const hf = json(dir, "config.json") as Record<string, unknown>;
  assert.deepEqual(
    [hf.model_type, hf.is_encoder_decoder, hf.d_model, hf.decoder_layers, hf.decoder_attention_heads, hf.encoder_attention_heads, hf.decoder_start_token_id],
    ["marian", true, c.d_model, c.num_decoder_layers, c.num_heads, c.num_heads, c.bos_id],
  );
  const s = await sessions(dir);
  assert.deepEqual(s.encoder.inputNames, ["input_ids", "attention_mask"]);
  assert.deepEqual(s.encoder.outputNames, ["last_hidden_state"]);
  const kv = (i: number, what: string) => ["decoder", "encoder"].flatMap((side) => [`${what}.${i}.${side}.key`, `${what}.${i}.${side}.value`]);
  assert.deepEqual(s.decoderMerged.inputNames, ["input_ids", "encoder_attention_mask", "encoder_hidden_states", ...[0, 1].flatMap((i) => kv(i, "past_key_values")), "use_cache_branch"]);
  assert.deepEqual(s.decoderMerged.outputNames, ["logits", ...[0, 1].flatMap((i) => kv(i, "present"))]);
});

test("seq2seq export: the merged decoder stores each weight once (shared ones in its outer graph); its batch axis is batch_size", () => {
  const model = tinySeq2Seq(VARIANTS[1], 4); // learned positions: every float matrix is a parameter
  const dir = exported(model);
  type Initializer = { name: string; dims?: number[]; data_type: number; raw_data: number[] };
  const T = modelProtoType();
  const m = T.toObject(T.decode(fs.readFileSync(path.join(dir, "onnx", "decoder_model_merged.onnx"))), { bytes: Array, defaults: false }) as {
    graph: { node: Array<{ op_type: string; attribute: Array<{ name: string; g: { initializer?: Initializer[] } }> }>; initializer: Initializer[]; input: Array<{ name: string; type: { tensor_type: { shape: { dim: Array<{ dim_param?: string }> } } } }> };
  };
  assert.deepEqual(m.graph.node.map((n) => n.op_type), ["If"]);
  const [then, otherwise] = m.graph.node[0].attribute.map((a) => a.g.initializer ?? []);
  const matrices = (ts: Initializer[], prefix = "") => ts.filter((t) => t.data_type === 1 && (t.dims?.length ?? 0) > 0).map((t) => ({ name: t.name.slice(prefix.length), bytes: t.raw_data.length }));
  const stored = [...matrices(m.graph.initializer), ...matrices(then, "then/"), ...matrices(otherwise, "else/")];
  assert.equal(new Set(stored.map((t) => t.name)).size, stored.length, "no weight stored twice");
  assert.ok(matrices(m.graph.initializer).some((t) => t.name.startsWith("transformer.decoder.layers.1.linear2")), "the shared weights are outer");
  // the decoder's parameters (the cross-attention keys' and values' projections in the first-step branch only) and nothing more
  const decoderBytes = model.namedParameters().filter(([name]) => !name.startsWith("transformer.encoder.") && !name.startsWith("src_")).reduce((n, [, p]) => n + p.data.byteLength, 0);
  assert.equal(stored.reduce((n, t) => n + t.bytes, 0), decoderBytes);
  for (const i of m.graph.input.filter((x) => x.name !== "use_cache_branch")) assert.equal(i.type.tensor_type.shape.dim[0].dim_param, "batch_size", i.name);
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

    // teacher forcing: every target position at once (the first-step branch); the graph masks the target's pads as ours does
    const memory = { memory: enc.last_hidden_state };
    const first = await s.decoderMerged.run({ input_ids: idsAndMask(tgt, c.pad_id).input_ids, encoder_attention_mask: srcFeeds.attention_mask, ...mergedFeeds(c, tgt.batch, memory) });
    assert.deepEqual(first.logits.dims, [3, 5, c.tgt_vocab_size]);
    assert.ok(record("seq2seq logits", maxDiff(first.logits.data as Float32Array, ours.logits)) < TOLERANCE);

    // the cache: the first 2 positions through the first-step branch, then one at a time through the cached one
    const V = c.tgt_vocab_size, T = full.length, B = full.batch;
    const column = (ids: ArrayLike<number>, t: number) => Array.from({ length: B }, (_, b) => Number(ids[b * T + t]));
    const prefix = (t: number) => Array.from({ length: B }, (_, b) => Array.from(full.ids.subarray(b * T, b * T + t))).flat();
    let out = await s.decoderMerged.run({ input_ids: int64(prefix(2), [B, 2]), encoder_attention_mask: srcFeeds.attention_mask, ...mergedFeeds(c, B, memory) });
    const past: Record<string, ort.Tensor> = {};
    const keep = (o: Record<string, ort.Tensor>) => {
      for (const [k, v] of Object.entries(o)) if (k.startsWith("present.")) past[k.replace("present.", "past_key_values.")] = v;
    };
    keep(out);
    const encoderValues = past["past_key_values.1.encoder.value"];
    for (let t = 2; t < T; t++) {
      out = await s.decoderMerged.run({ input_ids: int64(column(full.ids, t), [B, 1]), encoder_attention_mask: srcFeeds.attention_mask, ...mergedFeeds(c, B, { past }) });
      keep(out);
      const want = Array.from({ length: B }, (_, b) => Array.from(ours.unpadded.subarray((b * T + t) * V, (b * T + t + 1) * V))).flat();
      assert.ok(record("seq2seq logits (KV cache)", maxDiff(out.logits.data as Float32Array, want)) < TOLERANCE, `step ${t}`);
    }
    assert.deepEqual(out[`present.0.decoder.key`].dims, [B, c.num_heads, T, c.d_model / c.num_heads]);
    // the cached branch passes the encoder's keys and values on as they came
    assert.deepEqual(Array.from(out["present.1.encoder.value"].data as Float32Array), Array.from(encoderValues.data as Float32Array));
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
