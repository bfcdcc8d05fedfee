/**
 * The encoder-decoder as two ONNX models, laid out and named as Hugging Face optimum exports seq2seq models and
 * transformers.js loads them: onnx/encoder_model.onnx, and onnx/decoder_model_merged.onnx, one decoder whose
 * `use_cache_branch` input picks between its first step (no cache) and its later steps over the cached keys and
 * values (an If node over two subgraphs that share the weights: stored once, merge.ts).
 */
import { maskedPadId } from "../models/batch.js";
import type { Seq2Seq } from "../models/index.js";
import { type KeysValues, attentionMask, causalAllowed, dimOf, dimsOf, keysAllowed, notPad, tokenPositions } from "./attention.js";
import { addPositions, linear, tokenEmbedding } from "./blocks.js";
import { type Dim, GraphBuilder, type GraphProto, valueInfo } from "./graph.js";
import { decoderStack, encoderStack } from "./layers.js";
import { mergeGraphs } from "./merge.js";
import type { OnnxGraphFile } from "./spec.js";

const BATCH = "batch_size", SRC = "encoder_sequence_length", TGT = "decoder_sequence_length", PAST = "past_decoder_sequence_length";
const TOTAL = `${PAST} + ${TGT}`;
/** The folder transformers.js reads the model files from. */
export const ONNX_SUBFOLDER = "onnx";
export const ENCODER_FILE = `${ONNX_SUBFOLDER}/encoder_model.onnx`;
export const DECODER_MERGED_FILE = `${ONNX_SUBFOLDER}/decoder_model_merged.onnx`;
/** The merged decoder's bool input: true on steps over the cache (past_key_values.*), false on the first. */
export const USE_CACHE_BRANCH = "use_cache_branch";

/** encoder_model.onnx: input_ids, attention_mask (B, S) int64 → last_hidden_state (B, S, dModel). */
function encoderGraph(model: Seq2Seq): OnnxGraphFile {
  const g = new GraphBuilder("encoder_model");
  const d = model.config.d_model;
  const ids = g.input("input_ids", "int64", [BATCH, SRC]);
  const mask = g.input("attention_mask", "int64", [BATCH, SRC]);
  const positions = g.node("Range", [g.int64([0], true), dimOf(g, ids, 1), g.int64([1], true)]); // (S,)
  const x = addPositions(g, tokenEmbedding(g, ids, "src_embed", model.srcEmbed), positions, "src_pos", model.srcPos, model.config.sinusoid_layout); // (B, S, dModel)
  const allowed = keysAllowed(g, tokenPositions(g, { mask, ids: { ids, padId: model.config.pad_id } })); // (B, 1, 1, S)
  const { out } = encoderStack(g, x, "transformer.encoder", model.transformer.encoder, attentionMask(g, allowed));
  g.output(out, "last_hidden_state", "float32", [BATCH, SRC, d]);
  return { file: ENCODER_FILE, graph: g.build() };
}

/**
 * The decoder's first step (input_ids, encoder_hidden_states, encoder_attention_mask) or its later steps
 * (input_ids, encoder_attention_mask, past_key_values.*) → logits, present.{i}.decoder.key|value (every target
 * position so far) and present.{i}.encoder.key|value (made from encoder_hidden_states on the first step, the past
 * ones passed on later: the merged decoder's two branches return the same names).
 *
 * Our decoder masks target positions whose token is pad_id, unless pad is also bos or eos (Marian's), as
 * Hugging Face's decoders never do (a model may emit pad). Both graphs mask the pads among their input_ids; the cached steps cannot know which cached positions
 * held pad, so after a model emitted pad mid-sentence only the first-step branch over the whole target so far
 * decodes as ours does (ortGreedySeq2Seq switches to it then).
 */
function decoderGraph(model: Seq2Seq, withPast: boolean): GraphProto {
  const c = model.config;
  const g = new GraphBuilder(withPast ? "decoder_with_past_model" : "decoder_model");
  const h = c.num_heads, dK = c.d_model / h, L = c.num_decoder_layers;
  const ids = g.input("input_ids", "int64", [BATCH, TGT]);
  const encMask = g.input("encoder_attention_mask", "int64", [BATCH, SRC]);
  const memory = withPast ? null : g.input("encoder_hidden_states", "float32", [BATCH, SRC, c.d_model]);
  const pastKv = (i: number, side: "decoder" | "encoder", len: string): KeysValues => ({
    key: g.input(`past_key_values.${i}.${side}.key`, "float32", [BATCH, h, len, dK]),
    value: g.input(`past_key_values.${i}.${side}.value`, "float32", [BATCH, h, len, dK]),
  });
  const past = withPast ? Array.from({ length: L }, (_, i) => ({ self: pastKv(i, "decoder", PAST), cross: pastKv(i, "encoder", SRC) })) : null;

  const T = dimOf(g, ids, 1);
  const P = past ? dimOf(g, past[0].self.key, 2) : g.int64([0], true);
  const positions = g.node("Range", [P, g.node("Add", [P, T]), g.int64([1], true)]); // (T,): past … past + T − 1
  const y = addPositions(g, tokenEmbedding(g, ids, "tgt_embed", model.tgtEmbed), positions, "tgt_pos", model.tgtPos, c.sinusoid_layout); // (B, T, dModel)
  // the keys that hold a token, (B, past + T): every cached position (the cache cannot say which held pad), new ones
  // unless pad; none is masked where pad is also bos or eos (Marian starts decoding from pad), as ours (maskedPadId)
  const pad = maskedPadId(c);
  const newKeys = pad === null ? null : notPad(g, ids, pad); // (B, T)
  let keys = newKeys;
  if (past && newKeys) {
    const pastShape = g.node("Concat", [dimsOf(g, ids, [0]), g.node("Unsqueeze", [P, g.int64([0])])], { axis: { int: 0 } }); // [B, past]
    keys = g.node("Concat", [g.node("Expand", [g.bool(true), pastShape]), newKeys], { axis: { int: 1 } });
  }
  const causal = causalAllowed(g, P, T); // (1, 1, T, past + T)
  const selfMask = attentionMask(g, keys ? g.node("And", [causal, keysAllowed(g, keys)]) : causal); // (B or 1, 1, T, past + T)
  const crossMask = attentionMask(g, keysAllowed(g, tokenPositions(g, { mask: encMask }))); // (B, 1, 1, S)
  const stack = decoderStack(g, y, "transformer.decoder", model.transformer.decoder, {
    selfMask, crossMask,
    memory: (i) => (past ? { cached: past[i].cross } : { memory: memory! }),
    past: past?.map((p) => p.self),
  });
  g.output(linear(g, stack.out, "generator", model.generator), "logits", "float32", [BATCH, TGT, c.tgt_vocab_size]);
  stack.self.forEach((kv, i) => {
    g.output(kv.key, `present.${i}.decoder.key`, "float32", [BATCH, h, withPast ? TOTAL : TGT, dK]);
    g.output(kv.value, `present.${i}.decoder.value`, "float32", [BATCH, h, withPast ? TOTAL : TGT, dK]);
    const cross = past ? past[i].cross : stack.cross[i];
    g.output(cross.key, `present.${i}.encoder.key`, "float32", [BATCH, h, SRC, dK]);
    g.output(cross.value, `present.${i}.encoder.value`, "float32", [BATCH, h, SRC, dK]);
  });
  return g.build();
}

/**
 * decoder_model_merged.onnx: input_ids, encoder_attention_mask, encoder_hidden_states, past_key_values.* and
 * use_cache_branch → logits, present.*. Every input is fed on every run: on the first step past_key_values.* with
 * 0 positions (what transformers.js makes from the name batch_size and 0 for the other named axes), later the real
 * encoder_hidden_states or any (batch_size, n, d_model) tensor, which that branch does not read.
 */
function mergedDecoderGraph(model: Seq2Seq): OnnxGraphFile {
  const c = model.config;
  const h = c.num_heads, dK = c.d_model / h;
  const first = decoderGraph(model, false), later = decoderGraph(model, true);
  // the two branches' present.{i}.decoder.* differ in length (TGT, TOTAL): one name for either
  const dims: Record<string, Dim[]> = { decoder: [BATCH, h, "present_decoder_sequence_length", dK], encoder: [BATCH, h, SRC, dK] };
  const outputs = first.output.map((o) => {
    const side = /^present\.\d+\.(decoder|encoder)\./.exec(o.name)?.[1];
    return side ? valueInfo(o.name, "float32", dims[side]) : o;
  });
  return { file: DECODER_MERGED_FILE, graph: mergeGraphs(later, first, { name: "decoder_model_merged", condition: USE_CACHE_BRANCH, outputs }) };
}

export function seq2seqGraphs(model: Seq2Seq): OnnxGraphFile[] {
  return [encoderGraph(model), mergedDecoderGraph(model)];
}
