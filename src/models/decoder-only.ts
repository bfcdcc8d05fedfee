import type { AttentionCache } from "../nn/index.js";
import { Embedding, EncoderStack, Linear, Module, PositionalEncoding } from "../nn/index.js";
import { Rng, Tensor } from "../tensor/index.js";
import { type TokenBatch, maskedPadId, paddingMask } from "./batch.js";
import type { DecoderOnlyConfig } from "./architectures/decoder-only.js";
import { layerOptions } from "./layer-options.js";
import { dropoutIf } from "./seq2seq.js";

export interface DecoderOnlyOptions {
  cache?: AttentionCache[];
  offset?: number;
  /**
   * (B, offset + T) over all positions so far; default: from ids (only without a filled cache), where pad_id is a
   * token of its own (maskedPadId; a GPT-2 checkpoint's is not: nothing is masked then).
   */
  keyPad?: Uint8Array | null;
  /** (B, T) position of each token, for left-padded prompts; default: offset + t for every row. */
  positions?: Int32Array;
  keepWeights?: boolean;
}

/** GPT-style language model (architecture "decoder_only"): a stack of causal self-attention layers. */
export class DecoderOnly extends Module {
  readonly embed: Embedding;
  readonly pos: PositionalEncoding;
  readonly stack: EncoderStack;
  readonly lmHead: Linear;

  constructor(readonly config: DecoderOnlyConfig, readonly rng: Rng = new Rng(0)) {
    super();
    const c = config;
    this.embed = this.addChild("embed", new Embedding(c.vocab_size, c.d_model, c.scale_embeddings));
    this.pos = this.addChild("pos", new PositionalEncoding(c.positional, c.max_len, c.d_model));
    this.stack = this.addChild("stack", new EncoderStack(layerOptions(c), c.num_layers, rng));
    const shared = c.tie_word_embeddings ? this.embed.weight : undefined; // input embedding = output projection
    this.lmHead = this.addChild("lm_head", new Linear(c.d_model, c.vocab_size, false, shared));
  }

  /** Hidden states (B, T, dModel). */
  hidden(ids: TokenBatch, opts: DecoderOnlyOptions = {}): Tensor {
    const offset = opts.offset ?? 0;
    if (opts.keyPad === undefined && offset > 0) throw new Error("DecoderOnly: decoding after cached positions needs keyPad over all of them (or null)");
    const pad = maskedPadId(this.config);
    const keyPad = opts.keyPad !== undefined ? opts.keyPad : pad === null ? null : paddingMask(ids, pad);
    let x = this.embed.forward(ids.ids, [ids.batch, ids.length]);
    x = opts.positions ? this.pos.forwardAt(x, opts.positions) : this.pos.forward(x, offset);
    x = dropoutIf(x, this.training ? this.config.dropout : 0, this.rng);
    return this.stack.forward(x, { keyPad, causal: true, cache: opts.cache, keepWeights: opts.keepWeights });
  }

  logits(hidden: Tensor): Tensor {
    return this.lmHead.forward(hidden); // (B, T, V)
  }

  /** Next-token logits (B, T, V) at every position. */
  forward(ids: TokenBatch, opts: DecoderOnlyOptions = {}): Tensor {
    return this.logits(this.hidden(ids, opts));
  }
}
