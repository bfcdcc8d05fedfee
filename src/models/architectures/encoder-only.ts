/** The BERT-style encoder (architecture "encoder_only"): its keys, state dict and loss; it does not generate. */
import { type TokenBatch, tokenBatch } from "../batch.js";
import type { CommonConfig } from "../config.js";
import { EncoderOnly } from "../encoder-only.js";
import { crossEntropy } from "../../tensor/index.js";
import { bertFormat } from "./bert.js";
import { embeddingShapes, encoderLayerShapes, linearShapes, positionShapes, stackShapes } from "./parameters.js";
import type { ModelArchitecture, NamedShape } from "./spec.js";

export interface EncoderOnlyConfig extends CommonConfig {
  architecture: "encoder_only";
  vocab_size: number;
  num_layers: number;
  /** The classes of head "classifier"; 0 for the other heads, which have none. */
  num_classes: number;
  pooling: "first" | "mean";
  // BERT's options: absent from a config that does not set them (the model is then the plain classifier)
  /** Token-type (segment) embeddings added to the tokens': how many types. */
  type_vocab_size?: number;
  /** A LayerNorm over the summed embeddings. */
  embedding_norm?: boolean;
  /** The stack's final LayerNorm (default true; BERT's post-LN layers end in their own, so it has none). */
  final_norm?: boolean;
  /** Dense + tanh on the pooled state (BERT's pooler, on [CLS]). */
  pooler?: boolean;
  /**
   * What the model outputs: "classifier" (default) class logits of the pooled state; "mlm" masked-LM logits over
   * the vocabulary at every token (dense, activation, LayerNorm, then the projection, tied to the embeddings when
   * tie_word_embeddings, with its own bias); "none" the pooled state itself.
   */
  head?: "classifier" | "mlm" | "none";
}

/** Texts and their class ids. */
export interface EncoderOnlyTrainBatch {
  kind: "encoder_only";
  ids: TokenBatch;
  labels: Int32Array;
}

function layerNormShapes(prefix: string, d: number): NamedShape[] {
  return [[`${prefix}.weight`, [d]], [`${prefix}.bias`, [d]]];
}

export const encoderOnly = {
  name: "encoder_only",
  required: ["vocab_size", "num_layers", "num_classes", "pooling"],
  // undefined: the key may be given, and is absent when it is not
  defaults: { type_vocab_size: undefined, embedding_norm: undefined, final_norm: undefined, pooler: undefined, head: undefined },
  vocab: { source: "vocab_size" },
  validate(cfg, check) {
    check.int("num_layers", 1);
    check.oneOf("pooling", ["first", "mean"]);
    if (cfg.head !== undefined) check.oneOf("head", ["classifier", "mlm", "none"]);
    const head = cfg.head ?? "classifier";
    if (head === "classifier") check.int("num_classes", 1);
    else if (check.int("num_classes", 0) !== 0) check.fail(`"num_classes" is ${cfg.num_classes}, but head ${JSON.stringify(head)} has no classes; expected 0`);
    if (cfg.type_vocab_size !== undefined) check.int("type_vocab_size", 1);
    for (const key of ["embedding_norm", "final_norm", "pooler"]) if (cfg[key] !== undefined) check.bool(key);
    if (cfg.pooler === true && cfg.pooling !== "first") check.fail(`"pooler" needs "pooling": "first" (it reads the first token's state)`);
    if (cfg.tie_word_embeddings && head !== "mlm") {
      check.fail(`"tie_word_embeddings" is not available for encoder_only with head ${JSON.stringify(head)}: only the "mlm" head projects onto the vocabulary`);
    }
  },
  preset: (s) => ({ vocab_size: s.srcVocabSize, num_layers: s.layers, num_classes: s.numClasses, pooling: "first", labels: s.labels }),
  build: (config, rng) => new EncoderOnly(config, rng),
  stateDictShapes: (c) => {
    const d = c.d_model, head = c.head ?? "classifier";
    return [
      ...embeddingShapes("embed", c.vocab_size, d),
      ...positionShapes("pos", c),
      ...(c.type_vocab_size ? embeddingShapes("type_embed", c.type_vocab_size, d) : []),
      ...(c.embedding_norm ? layerNormShapes("embed_norm", d) : []),
      ...(c.final_norm === false ? Array.from({ length: c.num_layers }, (_, i) => encoderLayerShapes(`stack.layers.${i}`, c)).flat() : stackShapes("stack", c.num_layers, encoderLayerShapes, c)),
      ...(c.pooler ? linearShapes("pooler", d, d) : []),
      ...(head === "classifier" ? linearShapes("classifier", d, c.num_classes) : []),
      ...(head === "mlm" ? [...linearShapes("mlm_dense", d, d), ...layerNormShapes("mlm_norm", d), ...linearShapes("mlm_decoder", d, c.vocab_size)] : []),
    ];
  },
  referenceBatch: (x) => ({ kind: "encoder_only", ids: tokenBatch(x.ids as number[][]), labels: Int32Array.from(x.labels as number[]) }),
  // plain cross-entropy over the labels: no padding to ignore, one prediction per example
  loss(model, batch, labelSmoothing) {
    const logits = model.forward(batch.ids); // (B, C)
    return { logits, loss: crossEntropy(logits, batch.labels, { labelSmoothing }), count: batch.labels.length };
  },
  huggingFace: { bert: bertFormat },
} satisfies ModelArchitecture<EncoderOnlyConfig, EncoderOnly, EncoderOnlyTrainBatch>;
