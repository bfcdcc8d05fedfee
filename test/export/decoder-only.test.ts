import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ortGreedyDecoderOnly } from "../../src/export/ort-greedy.js";
import { generate } from "../../src/generate/index.js";
import type { DecoderOnly } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { VARIANTS, tinyDecoderOnly } from "../generate/models.js";
import { TOLERANCE, exported, int64, maxDiff, ort, record, report, session } from "./helpers.js";

after(report);

const MODELS: Array<{ name: string; model: () => DecoderOnly }> = [
  ...VARIANTS.map((v, i) => ({ name: v.name, model: () => tinyDecoderOnly(v, 21 + i) })),
  { name: "tied embeddings, pre-LN, gelu", model: () => tinyDecoderOnly(VARIANTS[1], 7, { tie_word_embeddings: true }) },
  { name: "unscaled embeddings, post-LN", model: () => tinyDecoderOnly(VARIANTS[0], 8, { scale_embeddings: false }) },
  // GPT-2's layout (a Hugging Face gpt2 checkpoint loads as this)
  { name: "pre-LN, gelu_tanh, learned, tied, unscaled", model: () => tinyDecoderOnly(VARIANTS[1], 9, { activation: "gelu_tanh", tie_word_embeddings: true, scale_embeddings: false }) },
];

/** Left-padded as the library pads prompts: each row's positions count from its first token. */
const PROMPTS = [[1, 4, 5, 6, 7, 8], [1, 9], [1, 3, 0, 5]]; // a pad inside the last one: masked as ours masks it

function leftPadded(prompts: number[][], pad: number) {
  const T = Math.max(...prompts.map((p) => p.length));
  const ids: number[] = [], positions: number[] = [];
  for (const p of prompts) {
    const shift = T - p.length;
    ids.push(...new Array<number>(shift).fill(pad), ...p);
    for (let t = 0; t < T; t++) positions.push(Math.max(0, t - shift));
  }
  return { ids, positions, T, B: prompts.length };
}

const emptyPast = (m: DecoderOnly, B: number) => {
  const c = m.config, feeds: Record<string, ort.Tensor> = {};
  for (let i = 0; i < c.num_layers; i++) {
    for (const kv of ["key", "value"]) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [B, c.num_heads, 0, c.d_model / c.num_heads]);
  }
  return feeds;
};

test("decoder_only export: model.onnx, its input and output names", async () => {
  const model = tinyDecoderOnly(VARIANTS[0], 1);
  const dir = exported(model);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "generation_config.json", "model.onnx"]);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "generation_config.json"), "utf8")), { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, max_length: 32 });
  const s = await session(dir, "model.onnx");
  assert.deepEqual(s.inputNames, ["input_ids", "attention_mask", "position_ids", "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"]);
  assert.deepEqual(s.outputNames, ["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"]);
});

for (const { name, model: make } of MODELS) {
  test(`decoder_only ${name}: ONNX Runtime's logits equal ours on a left-padded batch, with and without the cache`, async () => {
    const model = make();
    const c = model.config;
    const s = await session(exported(model), "model.onnx");
    const { ids, positions, T, B } = leftPadded(PROMPTS, c.pad_id);
    const batch = { ids: Int32Array.from(ids), batch: B, length: T };
    const ours = inference(model, () => model.forward(batch, { positions: Int32Array.from(positions) }).data); // (B, T, V)
    const mask = ids.map((t) => (t === c.pad_id ? 0 : 1));
    const all = await s.run({ input_ids: int64(ids, [B, T]), attention_mask: int64(mask, [B, T]), position_ids: int64(positions, [B, T]), ...emptyPast(model, B) });
    // every position, the left padding's too (a query that sees no key gets zero weights, as ours)
    assert.ok(record("decoder_only logits", maxDiff(all.logits.data as Float32Array, ours)) < TOLERANCE);

    // the cache: the first 3 columns at once, then one at a time
    const V = c.vocab_size;
    const cols = (from: number, to: number, a: number[]) => Array.from({ length: B }, (_, b) => a.slice(b * T + from, b * T + to)).flat();
    let out = await s.run({ input_ids: int64(cols(0, 3, ids), [B, 3]), attention_mask: int64(cols(0, 3, mask), [B, 3]), position_ids: int64(cols(0, 3, positions), [B, 3]), ...emptyPast(model, B) });
    for (let t = 3; t < T; t++) {
      const past = Object.fromEntries(Object.entries(out).filter(([k]) => k.startsWith("present.")).map(([k, v]) => [k.replace("present.", "past_key_values."), v]));
      out = await s.run({ input_ids: int64(cols(t, t + 1, ids), [B, 1]), attention_mask: int64(cols(0, t + 1, mask), [B, t + 1]), position_ids: int64(cols(t, t + 1, positions), [B, 1]), ...past });
      const want = Array.from({ length: B }, (_, b) => Array.from(ours.subarray((b * T + t) * V, (b * T + t + 1) * V))).flat();
      assert.ok(record("decoder_only logits (KV cache)", maxDiff(out.logits.data as Float32Array, want)) < TOLERANCE, `column ${t}`);
    }
    assert.deepEqual(out["present.1.value"].dims, [B, c.num_heads, T, c.d_model / c.num_heads]);
  });

  test(`decoder_only ${name}: greedy decoding driven through ONNX Runtime's KV cache gives our token ids`, async () => {
    const model = make();
    const s = await session(exported(model), "model.onnx");
    const prompts = [[1, 4, 5, 6, 7, 8], [1, 9], [1], [1, 3, 0, 5]];
    for (const maxNewTokens of [undefined, 5]) {
      const ours = generate(model, prompts, { strategy: "greedy", maxNewTokens }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
      assert.deepEqual(await ortGreedyDecoderOnly(ort, s, model.config, prompts, { maxNewTokens }), ours);
    }
  });
}

test("decoder_only: rows reach max_len at different steps (left padding), through ONNX Runtime as in the library", async () => {
  const model = tinyDecoderOnly(VARIANTS[2], 4, { max_len: 9 });
  const s = await session(exported(model), "model.onnx");
  const prompts = [[1, 4, 5, 6, 7, 8], [1, 9], [1, 3]];
  const ours = generate(model, prompts, { strategy: "greedy" }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
  assert.deepEqual(await ortGreedyDecoderOnly(ort, s, model.config, prompts), ours);
  assert.ok(ours.some((r) => r.finish === "max_len"), JSON.stringify(ours));
});

test("decoder_only: a model that emits pad decodes through ONNX Runtime as ours (attention_mask 0 there)", async () => {
  const model = tinyDecoderOnly(VARIANTS[0], 3);
  const W = model.lmHead.weight.data, d = model.config.d_model;
  for (let j = 0; j < d; j++) W[j] = 1.02 * W[11 * d + j]; // pad's row: pad wins where token 11 would (when its logit is positive)
  const s = await session(exported(model), "model.onnx");
  const prompts = [[1, 4, 5], [1, 9, 10, 11], [1], [1, 3, 3]];
  const ours = generate(model, prompts, { strategy: "greedy", maxNewTokens: 20 }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
  assert.ok(ours.some((r) => r.tokens.slice(0, -1).includes(0)), "the case is there: pad fed back");
  assert.deepEqual(await ortGreedyDecoderOnly(ort, s, model.config, prompts, { maxNewTokens: 20 }), ours);
});
