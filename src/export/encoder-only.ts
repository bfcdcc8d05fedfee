/**
 * The encoder-only classifier as one ONNX model: input_ids, attention_mask (B, T) int64 → logits (B, classes),
 * pooler_output (B, dModel: the first position's state or the mean over non-padding ones, as config.json's
 * "pooling" says — what the classifier reads; there is no dense+tanh pooler as BERT's) and last_hidden_state.
 */
import type { EncoderOnly } from "../models/index.js";
import { attentionMask, dimOf, keysAllowed, tokenPositions } from "./attention.js";
import { addPositions, linear, tokenEmbedding } from "./blocks.js";
import { GraphBuilder } from "./graph.js";
import { encoderStack } from "./layers.js";
import type { OnnxGraphFile } from "./spec.js";

const BATCH = "batch_size", SEQ = "sequence_length";
const FLOAT = 1; // TensorProto.DataType

/** The mean of hidden (B, T, dModel) over the token positions (B, T) bool: (B, dModel); 0 for a row of padding only. */
function maskedMean(g: GraphBuilder, hidden: string, mask: string): string {
  const m = g.node("Unsqueeze", [g.node("Cast", [mask], { to: { int: FLOAT } }), g.int64([2])]); // (B, T, 1)
  const sum = g.node("ReduceSum", [g.node("Mul", [hidden, m]), g.int64([1])], { keepdims: { int: 0 } }); // (B, dModel)
  const count = g.node("ReduceSum", [m, g.int64([1])], { keepdims: { int: 0 } }); // (B, 1)
  return g.node("Div", [sum, g.node("Max", [count, g.float(1)])]);
}

export function encoderOnlyGraphs(model: EncoderOnly): OnnxGraphFile[] {
  const c = model.config;
  const g = new GraphBuilder("model");
  const ids = g.input("input_ids", "int64", [BATCH, SEQ]);
  const mask = g.input("attention_mask", "int64", [BATCH, SEQ]);
  const positions = g.node("Range", [g.int64([0], true), dimOf(g, ids, 1), g.int64([1], true)]); // (T,)
  const x = addPositions(g, tokenEmbedding(g, ids, "embed", model.embed), positions, "pos", model.pos);
  const tokens = tokenPositions(g, { mask, ids: { ids, padId: c.pad_id } }); // (B, T)
  const { out } = encoderStack(g, x, "stack", model.stack, attentionMask(g, keysAllowed(g, tokens))); // (B, T, dModel)
  let pooled: string;
  switch (c.pooling) {
    case "first": pooled = g.node("Gather", [out, g.int64([0], true)], { axis: { int: 1 } }); break; // (B, dModel)
    case "mean": pooled = maskedMean(g, out, tokens); break;
    default: throw new Error(`encoderOnlyGraphs: no ONNX nodes for pooling ${JSON.stringify(c.pooling satisfies never)}`);
  }
  g.output(linear(g, pooled, "classifier", model.classifier), "logits", "float32", [BATCH, c.num_classes]);
  g.output(pooled, "pooler_output", "float32", [BATCH, c.d_model]);
  g.output(out, "last_hidden_state", "float32", [BATCH, SEQ, c.d_model]);
  return [{ file: "model.onnx", graph: g.build() }];
}
