/**
 * The encoder-only model as one ONNX model, named as Hugging Face optimum exports BERT: input_ids, attention_mask
 * (and token_type_ids where the model has token-type embeddings) (B, T) int64 → its head's output and the states:
 *   head "classifier": logits (B, classes), pooler_output (B, dModel), last_hidden_state;
 *   head "mlm":        logits (B, T, V) (optimum's fill-mask), last_hidden_state;
 *   head "none":       last_hidden_state, pooler_output (optimum's feature-extraction of BertModel).
 * pooler_output is what the classifier reads: the first position's state or the mean over non-padding ones, as
 * config.json's "pooling" says, through BERT's dense + tanh pooler where the model has one.
 */
import type { EncoderOnly } from "../models/index.js";
import { attentionMask, dimOf, keysAllowed, tokenPositions } from "./attention.js";
import { activation, addPositions, layerNorm, linear, tokenEmbedding } from "./blocks.js";
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

/** The pooled state (B, dModel): first position or masked mean, then dense + tanh where the model has a pooler. */
function pooled(g: GraphBuilder, model: EncoderOnly, hidden: string, tokens: string): string {
  let p: string;
  switch (model.config.pooling) {
    case "first": p = g.node("Gather", [hidden, g.int64([0], true)], { axis: { int: 1 } }); break; // (B, dModel)
    case "mean": p = maskedMean(g, hidden, tokens); break;
    default: throw new Error(`encoderOnlyGraphs: no ONNX nodes for pooling ${JSON.stringify(model.config.pooling satisfies never)}`);
  }
  return model.pooler ? g.node("Tanh", [linear(g, p, "pooler", model.pooler)]) : p;
}

export function encoderOnlyGraphs(model: EncoderOnly): OnnxGraphFile[] {
  const c = model.config;
  const g = new GraphBuilder("model");
  const ids = g.input("input_ids", "int64", [BATCH, SEQ]);
  const mask = g.input("attention_mask", "int64", [BATCH, SEQ]);
  const types = model.typeEmbed ? g.input("token_type_ids", "int64", [BATCH, SEQ]) : null;
  const positions = g.node("Range", [g.int64([0], true), dimOf(g, ids, 1), g.int64([1], true)]); // (T,)
  // ours sums tokens + types, then positions, then normalizes (BERT's embeddings)
  let x = tokenEmbedding(g, ids, "embed", model.embed); // (B, T, dModel)
  if (types && model.typeEmbed) x = g.node("Add", [x, tokenEmbedding(g, types, "type_embed", model.typeEmbed)]);
  x = addPositions(g, x, positions, "pos", model.pos);
  if (model.embedNorm) x = layerNorm(g, x, "embed_norm", model.embedNorm);
  const tokens = tokenPositions(g, { mask, ids: { ids, padId: c.pad_id } }); // (B, T)
  const { out } = encoderStack(g, x, "stack", model.stack, attentionMask(g, keysAllowed(g, tokens))); // (B, T, dModel)
  const head = c.head ?? "classifier";
  if (head === "classifier") {
    const p = pooled(g, model, out, tokens);
    g.output(linear(g, p, "classifier", model.classifier), "logits", "float32", [BATCH, c.num_classes]);
    g.output(p, "pooler_output", "float32", [BATCH, c.d_model]);
    g.output(out, "last_hidden_state", "float32", [BATCH, SEQ, c.d_model]);
  } else if (head === "mlm") {
    if (!model.mlmDense || !model.mlmNorm || !model.mlmDecoder) throw new Error("encoderOnlyGraphs: head \"mlm\" without its layers");
    const dense = linear(g, out, "mlm_dense", model.mlmDense);
    const t = layerNorm(g, g.within("mlm_dense", () => activation(g, dense, c.activation)), "mlm_norm", model.mlmNorm);
    g.output(linear(g, t, "mlm_decoder", model.mlmDecoder), "logits", "float32", [BATCH, SEQ, c.vocab_size]);
    g.output(out, "last_hidden_state", "float32", [BATCH, SEQ, c.d_model]);
  } else {
    g.output(out, "last_hidden_state", "float32", [BATCH, SEQ, c.d_model]);
    g.output(pooled(g, model, out, tokens), "pooler_output", "float32", [BATCH, c.d_model]);
  }
  return [{ file: "model.onnx", graph: g.build() }];
}
