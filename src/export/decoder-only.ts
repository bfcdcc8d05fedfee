/**
 * The decoder-only language model as one ONNX model over a KV cache, named as Hugging Face exports GPT-2:
 * input_ids, attention_mask (past + new positions), position_ids and past_key_values.{i}.key|value → logits and
 * present.{i}.key|value. The first call feeds past tensors with 0 positions. position_ids is an input because
 * a batch of prompts is left-padded and each row counts its positions from its own first token, as ours does.
 */
import type { DecoderOnly } from "../models/index.js";
import { type KeysValues, attentionMask, causalAllowed, dimOf, keysAllowed, tokenPositions } from "./attention.js";
import { addPositions, linear, tokenEmbedding } from "./blocks.js";
import { GraphBuilder } from "./graph.js";
import { encoderStack } from "./layers.js";
import type { OnnxGraphFile } from "./spec.js";

const BATCH = "batch_size", SEQ = "sequence_length", PAST = "past_sequence_length";
const TOTAL = `${PAST} + ${SEQ}`;

export function decoderOnlyGraphs(model: DecoderOnly): OnnxGraphFile[] {
  const c = model.config;
  const g = new GraphBuilder("model");
  const h = c.num_heads, dK = c.d_model / h;
  const ids = g.input("input_ids", "int64", [BATCH, SEQ]);
  const mask = g.input("attention_mask", "int64", [BATCH, TOTAL]);
  const positions = g.input("position_ids", "int64", [BATCH, SEQ]);
  const past: KeysValues[] = Array.from({ length: c.num_layers }, (_, i) => ({
    key: g.input(`past_key_values.${i}.key`, "float32", [BATCH, h, PAST, dK]),
    value: g.input(`past_key_values.${i}.value`, "float32", [BATCH, h, PAST, dK]),
  }));
  const x = addPositions(g, tokenEmbedding(g, ids, "embed", model.embed), positions, "pos", model.pos); // (B, T, dModel)
  const allowed = g.node("And", [causalAllowed(g, dimOf(g, past[0].key, 2), dimOf(g, ids, 1)), keysAllowed(g, tokenPositions(g, { mask }))]); // (B, 1, T, past + T)
  const stack = encoderStack(g, x, "stack", model.stack, attentionMask(g, allowed), past);
  g.output(linear(g, stack.out, "lm_head", model.lmHead), "logits", "float32", [BATCH, SEQ, c.vocab_size]);
  stack.kv.forEach((kv, i) => {
    g.output(kv.key, `present.${i}.key`, "float32", [BATCH, h, TOTAL, dK]);
    g.output(kv.value, `present.${i}.value`, "float32", [BATCH, h, TOTAL, dK]);
  });
  return [{ file: "model.onnx", graph: g.build() }];
}
