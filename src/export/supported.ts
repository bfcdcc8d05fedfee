/**
 * The config keys the ONNX export honours, and their values it writes: every key of a model's config must be
 * here, with its value allowed, or the export stops with one line naming the key. A key added to the models
 * later is thus refused until the exporter writes it, rather than exported as if it were absent.
 * (test/export/supported.test.ts checks that every key an architecture knows is listed.)
 */
import { ExportError } from "../errors.js";
import type { Architecture, ModelConfig } from "../models/index.js";

/** A key's values that the graph reproduces: any value, or one of a list. */
type Values = "any" | readonly (string | boolean)[];

/** Keys every architecture has (src/models/config.ts), and keys the project writes beside them. */
export const EXPORTED_COMMON_KEYS: Readonly<Record<string, Values>> = {
  architecture: ["seq2seq", "decoder_only", "encoder_only"],
  d_model: "any",
  num_heads: "any",
  d_ff: "any",
  dropout: "any", // an exported model runs inference: no dropout
  activation: ["relu", "gelu", "gelu_tanh", "silu"],
  norm_first: [false, true],
  layer_norm_eps: "any",
  positional: ["sinusoidal", "learned"],
  max_len: "any",
  scale_embeddings: [false, true],
  tie_word_embeddings: [false, true],
  pad_id: "any",
  bos_id: "any",
  eos_id: "any",
  // informational: read by the tokenizer and label code, not by the network
  labels: "any",
  tokenizer: "any",
  created_by: "any",
};

/** Each architecture's own keys (src/models/architectures/). */
export const EXPORTED_ARCHITECTURE_KEYS: Readonly<Record<Architecture, Readonly<Record<string, Values>>>> = {
  seq2seq: {
    src_vocab_size: "any", tgt_vocab_size: "any", num_encoder_layers: "any", num_decoder_layers: "any",
    // Marian's options (src/models/architectures/marian.ts); its dropout rates are off in an exported model
    final_norm: [true, false], sinusoid_layout: ["interleaved", "halves"], attention_dropout: "any", activation_dropout: "any",
  },
  decoder_only: { vocab_size: "any", num_layers: "any" },
  encoder_only: {
    vocab_size: "any", num_layers: "any", num_classes: "any", pooling: ["first", "mean"],
    // BERT's options (a Hugging Face BERT folder sets them): absent unless set
    type_vocab_size: "any", embedding_norm: [false, true], final_norm: [true, false], pooler: [false, true], head: ["classifier", "mlm", "none"],
  },
};

/** Throws one ExportError line for the first config key (or value) the ONNX export would not honour. */
export function checkExportable(config: ModelConfig): void {
  const arch = config.architecture;
  const own = EXPORTED_ARCHITECTURE_KEYS[arch] as Readonly<Record<string, Values>> | undefined;
  if (!own) throw new ExportError(`export --format onnx: architecture "${String(arch)}" is not exported`);
  for (const [key, value] of Object.entries(config)) {
    const values = own[key] ?? EXPORTED_COMMON_KEYS[key];
    if (values === undefined) {
      throw new ExportError(`export --format onnx: config key "${key}" is not exported for ${arch} (the ONNX graph would ignore it); remove it or extend src/export`);
    }
    if (values !== "any" && !values.includes(value as string | boolean)) {
      throw new ExportError(`export --format onnx: config key "${key}" = ${JSON.stringify(value)} is not exported (exported: ${values.map((v) => JSON.stringify(v)).join(", ")})`);
    }
  }
}
