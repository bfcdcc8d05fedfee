/**
 * The Hugging Face folders the project loads (test/fixtures/hf: Marian, GPT-2, BERT) export to ONNX and run in ONNX
 * Runtime as ours run and as transformers ran them: logits of the fixtures' padded batches within 1e-4 of ours and
 * of transformers' (expected/, saved by scripts/hf/make_*_fixtures.py), and greedy and beam-4 ids driven through
 * the exported caches equal to transformers' generate() ids.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { ortBeamSeq2Seq } from "../../src/export/ort-beam.js";
import { ortGreedyDecoderOnly, ortGreedySeq2Seq } from "../../src/export/ort-greedy.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { DecoderOnly, EncoderOnly, Seq2Seq } from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { BERT_BASE, BERT_CLASSIFIER, BERT_EXPECTED, BERT_MLM } from "../hf/bert-fixture.js";
import { GPT2_TINY, GPT2_TINY_EXPECTED } from "../hf/fixture.js";
import { MARIAN_TINY, MARIAN_TINY_EXPECTED } from "../hf/marian-fixture.js";
import { TOLERANCE, exported, int64, maxDiff, mergedFeeds, ort, record, report, seq2seqSessions, session } from "./helpers.js";

after(report);

const json = (dir: string, name: string) => {
  const bytes = fs.readFileSync(path.join(dir, name));
  return JSON.parse((name.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8"));
};
const expectedTensor = (dir: string, name: string) => readSafetensors(path.join(dir, "logits.safetensors")).tensors.get(name)!.data;
const batchOf = (rows: number[][]) => ({ ids: Int32Array.from(rows.flat()), batch: rows.length, length: rows[0].length });

/** Rows of a (B, T, V) tensor where mask is 1, in row-major order (how the fixtures keep transformers' logits). */
function atTokens(logits: ArrayLike<number>, mask: readonly number[], V: number): Float32Array {
  const out: number[] = [];
  mask.forEach((m, i) => {
    if (m === 1) for (let j = i * V; j < (i + 1) * V; j++) out.push(logits[j]);
  });
  return Float32Array.from(out);
}

// ---- Marian (seq2seq: no final norms, [sin | cos] positions, SiLU, final_logits_bias, decoding from pad)

const marian = loadCheckpoint(MARIAN_TINY).model as Seq2Seq;
const marianDir = exported(marian);
const marianRuns: Array<{ strategy: "greedy" | "beam"; num_beams?: number; sources: number[][]; outputs: number[][] }> = json(MARIAN_TINY_EXPECTED, "generate.json").runs;

test("Marian export: ONNX Runtime's logits of the fixture's padded batch equal ours and transformers' within 1e-4, with and without the cache", async () => {
  const c = marian.config;
  assert.deepEqual([c.final_norm, c.sinusoid_layout, c.activation, c.pad_id === c.bos_id], [false, "halves", "silu", true], "the fixture has Marian's options");
  const e = json(MARIAN_TINY_EXPECTED, "logits.json");
  const theirs = expectedTensor(MARIAN_TINY_EXPECTED, "logits");
  const src = batchOf(e.input_ids), tgt = batchOf(e.decoder_input_ids);
  const ours = inference(marian, () => marian.forward(src, tgt).data); // (B, T, V)
  const s = await seq2seqSessions(marianDir);
  const B = src.batch, T = tgt.length, V = c.tgt_vocab_size;
  const mask = int64(e.attention_mask.flat(), [B, src.length]);
  const enc = await s.encoder.run({ input_ids: int64(src.ids, [B, src.length]), attention_mask: mask });
  const first = await s.decoderMerged.run({ input_ids: int64(tgt.ids, [B, T]), encoder_attention_mask: mask, ...mergedFeeds(c, B, { memory: enc.last_hidden_state }) });
  const got = first.logits.data as Float32Array;
  assert.ok(record("marian logits vs ours", maxDiff(got, ours)) < TOLERANCE);
  assert.ok(record("marian logits vs transformers", maxDiff(got, theirs)) < TOLERANCE);
  // one position at a time over the cache: pad (decoder_input_ids hold it after eos) is not masked, as transformers does not
  let out = await s.decoderMerged.run({ input_ids: int64(Array.from({ length: B }, (_, b) => tgt.ids[b * T]), [B, 1]), encoder_attention_mask: mask, ...mergedFeeds(c, B, { memory: enc.last_hidden_state }) });
  for (let t = 0; ; t++) {
    const want = Array.from({ length: B }, (_, b) => Array.from(theirs.subarray((b * T + t) * V, (b * T + t + 1) * V))).flat();
    assert.ok(record("marian logits (KV cache) vs transformers", maxDiff(out.logits.data as Float32Array, want)) < TOLERANCE, `position ${t}`);
    if (t + 1 === T) break;
    const past: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(out)) if (k.startsWith("present.")) past[k.replace("present.", "past_key_values.")] = v;
    out = await s.decoderMerged.run({ input_ids: int64(Array.from({ length: B }, (_, b) => tgt.ids[b * T + t + 1]), [B, 1]), encoder_attention_mask: mask, ...mergedFeeds(c, B, { past }) });
  }
});

test("Marian export: greedy ids through ONNX Runtime's cache (ortGreedySeq2Seq) equal transformers' generate(), alone and batched", async () => {
  const s = await seq2seqSessions(marianDir);
  const greedy = marianRuns.filter((r) => r.strategy === "greedy");
  assert.ok(greedy.some((r) => r.sources.length > 1), "a batch");
  let count = 0;
  for (const r of greedy) {
    const got = await ortGreedySeq2Seq(ort, s, marian.config, r.sources);
    assert.deepEqual(got.map((h) => h.tokens), r.outputs);
    assert.ok(got.every((h) => h.finish === "eos"));
    count += r.outputs.flat().length;
  }
  record(`marian greedy: ${count} ids equal transformers' (0 = none differ)`, 0);
});

test("Marian export: beam-4 ids through ONNX Runtime's cache (ortBeamSeq2Seq, huggingface convention) equal transformers' generate(num_beams=4)", async () => {
  const s = await seq2seqSessions(marianDir);
  const beams = marianRuns.filter((r) => r.strategy === "beam");
  assert.ok(beams.length > 0 && beams.every((r) => r.num_beams === 4));
  for (const r of beams) {
    const got = await ortBeamSeq2Seq(ort, s, marian.config, r.sources, { numBeams: 4, lengthPenalty: 1, beamConvention: "huggingface" });
    assert.deepEqual(got.map((h) => h[0].tokens), r.outputs);
  }
});

// ---- GPT-2 (decoder_only: gelu_tanh, learned positions, tied lm_head)

test("GPT-2 export: ONNX Runtime's logits equal ours and transformers' within 1e-4 (left-padded with position ids, right-padded, 64 positions); greedy ids equal generate()'s", async () => {
  const gpt2 = loadCheckpoint(GPT2_TINY).model as DecoderOnly;
  const c = gpt2.config;
  assert.deepEqual([c.activation, c.positional, c.tie_word_embeddings], ["gelu_tanh", "learned", true]);
  const s = await session(exported(gpt2), "model.onnx");
  const { cases } = json(GPT2_TINY_EXPECTED, "logits.json");
  const V = c.vocab_size, dK = c.d_model / c.num_heads;
  for (const name of ["left", "right", "full"]) {
    const k = cases[name] as { ids: number[][]; attention_mask?: number[][]; position_ids?: number[][]; rows?: number[] };
    const B = k.ids.length, T = k.ids[0].length;
    const mask = k.attention_mask?.flat() ?? new Array<number>(B * T).fill(1);
    const positions = k.position_ids?.flat() ?? Array.from({ length: B * T }, (_, i) => i % T);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(k.ids.flat(), [B, T]), attention_mask: int64(mask, [B, T]), position_ids: int64(positions, [B, T]) };
    for (let i = 0; i < c.num_layers; i++) for (const kv of ["key", "value"]) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [B, c.num_heads, 0, dK]);
    const out = await s.run(feeds);
    const keyPad = mask.includes(0) ? Uint8Array.from(mask, (m) => 1 - m) : null;
    const ours = inference(gpt2, () => gpt2.forward(batchOf(k.ids), { keyPad, positions: k.position_ids ? Int32Array.from(positions) : undefined }).data);
    assert.ok(record("gpt2 logits vs ours", maxDiff(out.logits.data as Float32Array, ours)) < TOLERANCE, name);
    let got = atTokens(out.logits.data as Float32Array, mask, V);
    if (k.rows) got = Float32Array.from(k.rows.flatMap((r) => [...got.subarray(r * V, (r + 1) * V)])); // the rows transformers' file keeps
    assert.ok(record("gpt2 logits vs transformers", maxDiff(got, expectedTensor(GPT2_TINY_EXPECTED, name))) < TOLERANCE, name);
  }
  const runs: Array<{ strategy: string; prompts: number[][]; max_new_tokens: number; outputs: number[][][] }> = json(GPT2_TINY_EXPECTED, "generate.json").runs;
  for (const r of runs.filter((x) => x.strategy === "greedy")) {
    const got = await ortGreedyDecoderOnly(ort, s, c, r.prompts, { maxNewTokens: r.max_new_tokens });
    assert.deepEqual(got.map((h) => h.tokens), r.outputs.map((o) => o[0]), JSON.stringify(r.prompts));
  }
});

// ---- BERT (encoder_only: token_type_ids, embedding LayerNorm, no final norm; MLM, classifier and pooler heads)

const bert = json(BERT_EXPECTED, "logits.json") as { input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] };
const bertMask = bert.attention_mask.flat();
const bertBatch = batchOf(bert.input_ids);
const bertInputs = { keyPad: Uint8Array.from(bertMask, (m) => 1 - m), typeIds: Int32Array.from(bert.token_type_ids.flat()) };

async function runBert(dir: string): Promise<{ s: ort.InferenceSession; out: Record<string, ort.Tensor> }> {
  const s = await session(dir, "model.onnx");
  const dims = [bertBatch.batch, bertBatch.length];
  const out = await s.run({ input_ids: int64(bertBatch.ids, dims), attention_mask: int64(bertMask, dims), token_type_ids: int64(bert.token_type_ids.flat(), dims) });
  return { s, out };
}

test("BERT export (BertForMaskedLM): optimum's names; logits (B, T, V) equal ours and transformers' within 1e-4 at every real token", async () => {
  const model = loadCheckpoint(BERT_MLM).model as EncoderOnly;
  const { s, out } = await runBert(exported(model));
  assert.deepEqual(s.inputNames, ["input_ids", "attention_mask", "token_type_ids"]);
  assert.deepEqual(s.outputNames, ["logits", "last_hidden_state"]);
  const V = model.config.vocab_size;
  assert.deepEqual(out.logits.dims, [bertBatch.batch, bertBatch.length, V]);
  const ours = inference(model, () => model.mlmLogits(model.hidden(bertBatch, bertInputs).hidden).data);
  const got = out.logits.data as Float32Array;
  assert.ok(record("bert mlm logits vs ours", maxDiff(atTokens(got, bertMask, V), atTokens(ours, bertMask, V))) < TOLERANCE);
  assert.ok(record("bert mlm logits vs transformers", maxDiff(atTokens(got, bertMask, V), expectedTensor(BERT_EXPECTED, "mlm"))) < TOLERANCE);
});

test("BERT export (BertForSequenceClassification): logits (B, classes) and the tanh pooler's pooler_output equal ours and transformers' within 1e-4", async () => {
  const model = loadCheckpoint(BERT_CLASSIFIER).model as EncoderOnly;
  const { s, out } = await runBert(exported(model));
  assert.deepEqual(s.outputNames, ["logits", "pooler_output", "last_hidden_state"]);
  assert.deepEqual(out.logits.dims, [bertBatch.batch, 3]);
  const ours = inference(model, () => {
    const { hidden, keyPad } = model.hidden(bertBatch, bertInputs);
    return { logits: model.classifier.forward(model.pooled(hidden, keyPad)).data, pooled: model.pooled(hidden, keyPad).data, hidden: hidden.data };
  });
  assert.ok(record("bert classifier logits vs ours", maxDiff(out.logits.data as Float32Array, ours.logits)) < TOLERANCE);
  assert.ok(record("bert classifier logits vs transformers", maxDiff(out.logits.data as Float32Array, expectedTensor(BERT_EXPECTED, "classifier"))) < TOLERANCE);
  assert.ok(record("bert classifier pooler_output vs ours", maxDiff(out.pooler_output.data as Float32Array, ours.pooled)) < TOLERANCE);
  const d = model.config.d_model;
  assert.ok(record("bert last_hidden_state vs ours (real tokens)", maxDiff(atTokens(out.last_hidden_state.data as Float32Array, bertMask, d), atTokens(ours.hidden, bertMask, d))) < TOLERANCE);
});

test("BERT export (BertModel): last_hidden_state and pooler_output; the pooled output equals transformers' within 1e-4", async () => {
  const model = loadCheckpoint(BERT_BASE).model as EncoderOnly;
  const { s, out } = await runBert(exported(model));
  assert.deepEqual(s.outputNames, ["last_hidden_state", "pooler_output"]);
  assert.ok(record("bert pooler_output vs transformers", maxDiff(out.pooler_output.data as Float32Array, expectedTensor(BERT_EXPECTED, "pooled"))) < TOLERANCE);
});
