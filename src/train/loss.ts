import type { DecoderOnly, EncoderOnly, Model, Seq2Seq, TokenBatch } from "../models/index.js";
import { type Tensor, crossEntropy } from "../tensor/index.js";

/** One batch for any architecture: what teacher forcing feeds in, and what the model must predict. */
export type TrainBatch =
  | { kind: "seq2seq"; src: TokenBatch; tgtIn: TokenBatch; tgtOut: Int32Array }
  | { kind: "decoder_only"; ids: TokenBatch; targets: Int32Array }
  | { kind: "encoder_only"; ids: TokenBatch; labels: Int32Array };

/**
 * Forward pass and mean loss: label-smoothed cross-entropy over non-pad target tokens for the generative
 * models (PyTorch's cross_entropy with ignore_index = pad), plain cross-entropy over labels for classifiers.
 */
export function forwardLoss(model: Model, batch: TrainBatch, labelSmoothing: number): { logits: Tensor; loss: Tensor } {
  const pad = model.config.pad_id;
  switch (batch.kind) {
    case "seq2seq": {
      const logits = (model as Seq2Seq).forward(batch.src, batch.tgtIn); // (B, T, V)
      return { logits, loss: crossEntropy(logits, batch.tgtOut, { ignoreIndex: pad, labelSmoothing }) };
    }
    case "decoder_only": {
      const logits = (model as DecoderOnly).forward(batch.ids); // (B, T, V)
      return { logits, loss: crossEntropy(logits, batch.targets, { ignoreIndex: pad, labelSmoothing }) };
    }
    case "encoder_only": {
      const logits = (model as EncoderOnly).forward(batch.ids); // (B, C)
      return { logits, loss: crossEntropy(logits, batch.labels, { labelSmoothing }) };
    }
  }
}
