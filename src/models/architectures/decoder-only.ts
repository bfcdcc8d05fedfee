/** The GPT-style language model (architecture "decoder_only"): its keys, state dict, loss and decoding. */
import { type TokenBatch, ignoredTargetId, tokenBatch } from "../batch.js";
import type { CommonConfig } from "../config.js";
import { DecoderOnly } from "../decoder-only.js";
import { DecoderOnlyStepDecoder } from "../step-decoder.js";
import { gpt2Format } from "./gpt2.js";
import { tokenLoss } from "./loss.js";
import { embeddingShapes, encoderLayerShapes, linearShapes, positionShapes, stackShapes } from "./parameters.js";
import type { ModelArchitecture } from "./spec.js";

export interface DecoderOnlyConfig extends CommonConfig {
  architecture: "decoder_only";
  vocab_size: number;
  num_layers: number;
}

/** The sequence without its last token, and the next token at each position (the ids shifted left). */
export interface DecoderOnlyTrainBatch {
  kind: "decoder_only";
  ids: TokenBatch;
  targets: Int32Array;
}

/** The maxNewTokens default of a decoder_only model (seq2seq: source length + 50). */
export const DEFAULT_MAX_NEW_TOKENS = 50;

export const decoderOnly = {
  name: "decoder_only",
  required: ["vocab_size", "num_layers"],
  defaults: {},
  vocab: { source: "vocab_size", target: "vocab_size" },
  validate(_cfg, check) {
    check.int("num_layers", 1);
  },
  preset: (s) => ({ vocab_size: s.srcVocabSize, num_layers: s.layers }),
  build: (config, rng) => new DecoderOnly(config, rng),
  stateDictShapes: (c) => [
    ...embeddingShapes("embed", c.vocab_size, c.d_model),
    ...positionShapes("pos", c),
    ...stackShapes("stack", c.num_layers, encoderLayerShapes, c),
    ...linearShapes("lm_head", c.d_model, c.vocab_size, false),
  ],
  referenceBatch: (x) => ({ kind: "decoder_only", ids: tokenBatch(x.ids as number[][]), targets: Int32Array.from((x.targets as number[][]).flat()) }),
  loss(model, batch, labelSmoothing) {
    const hidden = model.hidden(batch.ids); // (B, T, dModel)
    return tokenLoss(hidden, model.lmHead, batch.targets, ignoredTargetId(model.config), labelSmoothing, () => model.logits(hidden));
  },
  decoding: {
    input: "prompt",
    whenEmpty: "start a prompt with bos",
    // each row continues its own prompt
    start: (model, inputs, maxNewTokens) => ({
      decoder: new DecoderOnlyStepDecoder(model, inputs),
      histories: inputs.map((r) => [...r]),
      limits: inputs.map(() => maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS),
    }),
  },
  huggingFace: { gpt2: gpt2Format },
} satisfies ModelArchitecture<DecoderOnlyConfig, DecoderOnly, DecoderOnlyTrainBatch>;
