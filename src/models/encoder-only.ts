import { Embedding, EncoderStack, Linear, Module, PositionalEncoding } from "../nn/index.js";
import { Rng, Tensor, maskedMeanPool, narrow, reshape } from "../tensor/index.js";
import { type TokenBatch, paddingMask } from "./batch.js";
import type { EncoderOnlyConfig } from "./architectures/encoder-only.js";
import { layerOptions } from "./layer-options.js";
import { dropoutIf } from "./seq2seq.js";

/** BERT-style classifier (architecture "encoder_only"): bidirectional encoder, pooled, then a linear head. */
export class EncoderOnly extends Module {
  readonly embed: Embedding;
  readonly pos: PositionalEncoding;
  readonly stack: EncoderStack;
  readonly classifier: Linear;

  constructor(readonly config: EncoderOnlyConfig, readonly rng: Rng = new Rng(0)) {
    super();
    const c = config;
    this.embed = this.addChild("embed", new Embedding(c.vocab_size, c.d_model, c.scale_embeddings));
    this.pos = this.addChild("pos", new PositionalEncoding(c.positional, c.max_len, c.d_model));
    this.stack = this.addChild("stack", new EncoderStack(layerOptions(c), c.num_layers, rng));
    this.classifier = this.addChild("classifier", new Linear(c.d_model, c.num_classes));
  }

  hidden(ids: TokenBatch, { keepWeights = false } = {}): { hidden: Tensor; keyPad: Uint8Array | null } {
    const keyPad = paddingMask(ids, this.config.pad_id);
    let x = this.embed.forward(ids.ids, [ids.batch, ids.length]);
    x = this.pos.forward(x);
    x = dropoutIf(x, this.training ? this.config.dropout : 0, this.rng);
    return { hidden: this.stack.forward(x, { keyPad, keepWeights }), keyPad }; // (B, T, dModel)
  }

  /** Class logits (B, numClasses): the first token's state, or the mean over non-pad positions. */
  forward(ids: TokenBatch): Tensor {
    const { hidden, keyPad } = this.hidden(ids);
    const pooled = this.config.pooling === "first"
      ? reshape(narrow(hidden, 1, 0, 1), [ids.batch, this.config.d_model]) // (B, dModel)
      : maskedMeanPool(hidden, keyPad);
    return this.classifier.forward(pooled);
  }
}
