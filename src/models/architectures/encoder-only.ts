/** The BERT-style classifier (architecture "encoder_only"): its keys, state dict and loss; it does not generate. */
import { type TokenBatch, tokenBatch } from "../batch.js";
import type { CommonConfig } from "../config.js";
import { EncoderOnly } from "../encoder-only.js";
import { crossEntropy } from "../../tensor/index.js";
import { embeddingShapes, encoderLayerShapes, linearShapes, positionShapes, stackShapes } from "./parameters.js";
import type { ModelArchitecture } from "./spec.js";

export interface EncoderOnlyConfig extends CommonConfig {
  architecture: "encoder_only";
  vocab_size: number;
  num_layers: number;
  num_classes: number;
  pooling: "first" | "mean";
}

/** Texts and their class ids. */
export interface EncoderOnlyTrainBatch {
  kind: "encoder_only";
  ids: TokenBatch;
  labels: Int32Array;
}

export const encoderOnly = {
  name: "encoder_only",
  required: ["vocab_size", "num_layers", "num_classes", "pooling"],
  defaults: {},
  vocab: { source: "vocab_size" },
  validate(cfg, check) {
    check.int("num_layers", 1);
    check.int("num_classes", 1);
    check.oneOf("pooling", ["first", "mean"]);
    if (cfg.tie_word_embeddings) check.fail(`"tie_word_embeddings" is not available for encoder_only: its head projects onto classes, not onto the vocabulary`);
  },
  preset: (s) => ({ vocab_size: s.srcVocabSize, num_layers: s.layers, num_classes: s.numClasses, pooling: "first", labels: s.labels }),
  build: (config, rng) => new EncoderOnly(config, rng),
  stateDictShapes: (c) => [
    ...embeddingShapes("embed", c.vocab_size, c.d_model),
    ...positionShapes("pos", c),
    ...stackShapes("stack", c.num_layers, encoderLayerShapes, c),
    ...linearShapes("classifier", c.d_model, c.num_classes),
  ],
  referenceBatch: (x) => ({ kind: "encoder_only", ids: tokenBatch(x.ids as number[][]), labels: Int32Array.from(x.labels as number[]) }),
  // plain cross-entropy over the labels: no padding to ignore, one prediction per example
  loss(model, batch, labelSmoothing) {
    const logits = model.forward(batch.ids); // (B, C)
    return { logits, loss: crossEntropy(logits, batch.labels, { labelSmoothing }), count: batch.labels.length };
  },
} satisfies ModelArchitecture<EncoderOnlyConfig, EncoderOnly, EncoderOnlyTrainBatch>;
