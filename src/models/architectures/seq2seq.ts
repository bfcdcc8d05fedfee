/** The encoder-decoder Transformer of the paper (architecture "seq2seq"): its keys, state dict, loss and decoding. */
import { type TokenBatch, tokenBatch } from "../batch.js";
import type { CommonConfig } from "../config.js";
import { Seq2Seq } from "../seq2seq.js";
import { Seq2SeqStepDecoder } from "../step-decoder.js";
import { tokenLoss } from "./loss.js";
import { decoderLayerShapes, embeddingShapes, encoderLayerShapes, linearShapes, positionShapes, stackShapes } from "./parameters.js";
import type { SinusoidLayout } from "../../nn/positional.js";
import { marianFormat } from "./marian.js";
import type { ModelArchitecture } from "./spec.js";

export interface Seq2SeqConfig extends CommonConfig {
  architecture: "seq2seq";
  src_vocab_size: number;
  tgt_vocab_size: number;
  num_encoder_layers: number;
  num_decoder_layers: number;
  /** Each stack ends with a LayerNorm (nn.Transformer's); false: none (Marian's post-LN stacks). */
  final_norm: boolean;
  /** Where a sinusoidal table puts the cosines: "interleaved" (the paper's), "halves" (Marian's [sin | cos]). */
  sinusoid_layout: SinusoidLayout;
  /** Dropout on attention weights and on the FFN's hidden activations: a rate, or "dropout" for `dropout`'s (Marian: 0 and 0). */
  attention_dropout: number | "dropout";
  activation_dropout: number | "dropout";
}

/** Teacher forcing: the source, the decoder input (the target shifted right, bos first) and each position's target. */
export interface Seq2SeqTrainBatch {
  kind: "seq2seq";
  src: TokenBatch;
  tgtIn: TokenBatch;
  tgtOut: Int32Array;
}

/** Extra output tokens beyond the source length, paper §6.1 ("maximum output length ... input length + 50"). */
export const SOURCE_LENGTH_MARGIN = 50;

export const seq2seq = {
  name: "seq2seq",
  required: ["src_vocab_size", "tgt_vocab_size", "num_encoder_layers", "num_decoder_layers"],
  defaults: { final_norm: true, sinusoid_layout: "interleaved", attention_dropout: "dropout", activation_dropout: "dropout" },
  vocab: { source: "src_vocab_size", target: "tgt_vocab_size" },
  validate(cfg, check) {
    check.int("num_encoder_layers", 1);
    check.int("num_decoder_layers", 1);
    check.bool("final_norm");
    check.oneOf("sinusoid_layout", ["interleaved", "halves"]);
    for (const key of ["attention_dropout", "activation_dropout"]) if (cfg[key] !== "dropout") check.num(key, 0, 1, true);
    if (cfg.tie_word_embeddings && cfg.src_vocab_size !== cfg.tgt_vocab_size) {
      check.fail(`"tie_word_embeddings" needs one vocabulary for source and target, found "src_vocab_size" ${cfg.src_vocab_size} and "tgt_vocab_size" ${cfg.tgt_vocab_size}`);
    }
  },
  preset: (s) => ({ src_vocab_size: s.srcVocabSize, tgt_vocab_size: s.tgtVocabSize, num_encoder_layers: s.layers, num_decoder_layers: s.layers }),
  build: (config, rng) => new Seq2Seq(config, rng),
  stateDictShapes: (c) => [
    ...embeddingShapes("src_embed", c.src_vocab_size, c.d_model),
    ...embeddingShapes("tgt_embed", c.tgt_vocab_size, c.d_model),
    ...positionShapes("src_pos", c),
    ...positionShapes("tgt_pos", c),
    ...stackShapes("transformer.encoder", c.num_encoder_layers, encoderLayerShapes, c, c.final_norm),
    ...stackShapes("transformer.decoder", c.num_decoder_layers, decoderLayerShapes, c, c.final_norm),
    ...linearShapes("generator", c.d_model, c.tgt_vocab_size),
  ],
  referenceBatch: (x) => ({
    kind: "seq2seq", src: tokenBatch(x.src as number[][]), tgtIn: tokenBatch(x.tgt_in as number[][]), tgtOut: Int32Array.from((x.tgt_out as number[][]).flat()),
  }),
  loss(model, batch, labelSmoothing) {
    const hidden = model.decode(batch.tgtIn, model.encode(batch.src)); // (B, T, dModel)
    return tokenLoss(hidden, model.generator, batch.tgtOut, model.config.pad_id, labelSmoothing, () => model.logits(hidden));
  },
  decoding: {
    input: "source",
    // the encoder reads the source once; each row's target starts from bos
    start: (model, inputs, maxNewTokens) => ({
      decoder: new Seq2SeqStepDecoder(model, tokenBatch(inputs, model.config.pad_id)),
      histories: inputs.map(() => [model.config.bos_id]),
      limits: inputs.map((r) => maxNewTokens ?? r.length + SOURCE_LENGTH_MARGIN),
    }),
  },
  huggingFace: { marian: marianFormat },
} satisfies ModelArchitecture<Seq2SeqConfig, Seq2Seq, Seq2SeqTrainBatch>;
