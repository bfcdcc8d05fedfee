import type { DecoderOnly, EncoderOnly, Model, Seq2Seq, TokenBatch } from "../models/index.js";
import { type Tensor, crossEntropy, linearCrossEntropy, noGrad } from "../tensor/index.js";

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
      // the vocabulary projection is fused with the loss (the (B, T, V) logits are never built for it); logits
      // are computed on demand, without a graph, for callers that look at them
      const m = model as Seq2Seq;
      const hidden = m.decode(batch.tgtIn, m.encode(batch.src)); // (B, T, dModel)
      const g = m.generator;
      const loss = linearCrossEntropy(hidden, g.weight, g.bias, batch.tgtOut, { ignoreIndex: pad, labelSmoothing });
      return lazyLogits(() => m.logits(hidden), loss);
    }
    case "decoder_only": {
      const m = model as DecoderOnly;
      const hidden = m.hidden(batch.ids); // (B, T, dModel)
      const h = m.lmHead;
      const loss = linearCrossEntropy(hidden, h.weight, h.bias, batch.targets, { ignoreIndex: pad, labelSmoothing });
      return lazyLogits(() => m.logits(hidden), loss);
    }
    case "encoder_only": {
      const logits = (model as EncoderOnly).forward(batch.ids); // (B, C)
      return { logits, loss: crossEntropy(logits, batch.labels, { labelSmoothing }) };
    }
  }
}

/** { logits, loss } where logits (B, T, V) is computed, without a graph, only if asked for (and then once). */
function lazyLogits(compute: () => Tensor, loss: Tensor): { logits: Tensor; loss: Tensor } {
  let logits: Tensor | null = null;
  return {
    get logits(): Tensor {
      logits ??= noGrad(compute);
      return logits;
    },
    loss,
  };
}
