import { Embedding, EncoderStack, LayerNorm, Linear, Module, PositionalEncoding, activate } from "../nn/index.js";
import { Rng, Tensor, add, embedding, maskedMeanPool, narrow, reshape } from "../tensor/index.js";
import { tanh } from "../tensor/ops/tanh.js";
import { type TokenBatch, paddingMask } from "./batch.js";
import type { EncoderOnlyConfig } from "./architectures/encoder-only.js";
import { layerOptions } from "./layer-options.js";
import { dropoutIf } from "./seq2seq.js";

export interface EncoderOnlyInputs {
  /** (B, T) 1 where a key is padding; default: where the id is pad_id. */
  keyPad?: Uint8Array | null;
  /** (B, T) token type of each token (BERT's segment A = 0, B = 1); default: 0. Needs type_vocab_size. */
  typeIds?: Int32Array;
  keepWeights?: boolean;
}

/**
 * BERT-style encoder (architecture "encoder_only"): bidirectional encoder, pooled, then its head. By default a
 * classifier (a linear layer on the first token's state or the mean); BERT's options add token-type embeddings,
 * a LayerNorm after the embeddings, no final norm, a pooler (dense + tanh) and a masked-LM head over every token.
 */
export class EncoderOnly extends Module {
  readonly embed: Embedding;
  readonly pos: PositionalEncoding;
  readonly stack: EncoderStack;
  /** Token-type (segment) embeddings: type_vocab_size. */
  readonly typeEmbed: Embedding | null;
  /** LayerNorm of the summed embeddings: embedding_norm. */
  readonly embedNorm: LayerNorm | null;
  /** Dense + tanh on the pooled state: pooler. */
  readonly pooler: Linear | null;
  /** head "mlm": the transform before the vocabulary projection (dense, activation, LayerNorm). */
  readonly mlmDense: Linear | null;
  readonly mlmNorm: LayerNorm | null;
  /** head "mlm": the vocabulary projection with its own bias, its weight the token embeddings when tied. */
  readonly mlmDecoder: Linear | null;
  private readonly head: Linear | null;

  constructor(readonly config: EncoderOnlyConfig, readonly rng: Rng = new Rng(0)) {
    super();
    const c = config, d = c.d_model;
    this.embed = this.addChild("embed", new Embedding(c.vocab_size, d, c.scale_embeddings));
    this.pos = this.addChild("pos", new PositionalEncoding(c.positional, c.max_len, d));
    this.typeEmbed = c.type_vocab_size ? this.addChild("type_embed", new Embedding(c.type_vocab_size, d, false)) : null;
    this.embedNorm = c.embedding_norm ? this.addChild("embed_norm", new LayerNorm(d, c.layer_norm_eps)) : null;
    this.stack = this.addChild("stack", new EncoderStack({ ...layerOptions(c), finalNorm: c.final_norm ?? true }, c.num_layers, rng));
    this.pooler = c.pooler ? this.addChild("pooler", new Linear(d, d)) : null;
    const head = c.head ?? "classifier";
    this.head = head === "classifier" ? this.addChild("classifier", new Linear(d, c.num_classes)) : null;
    const mlm = head === "mlm";
    this.mlmDense = mlm ? this.addChild("mlm_dense", new Linear(d, d)) : null;
    this.mlmNorm = mlm ? this.addChild("mlm_norm", new LayerNorm(d, c.layer_norm_eps)) : null;
    const shared = c.tie_word_embeddings ? this.embed.weight : undefined;
    this.mlmDecoder = mlm ? this.addChild("mlm_decoder", new Linear(d, c.vocab_size, true, shared)) : null;
  }

  /** The class projection (head "classifier"); throws for a model with another head. */
  get classifier(): Linear {
    if (!this.head) throw new Error(`this encoder_only model has head ${JSON.stringify(this.config.head)}, not a classifier`);
    return this.head;
  }

  hidden(ids: TokenBatch, opts: EncoderOnlyInputs = {}): { hidden: Tensor; keyPad: Uint8Array | null } {
    const keyPad = opts.keyPad !== undefined ? opts.keyPad : paddingMask(ids, this.config.pad_id);
    const shape = [ids.batch, ids.length] as const;
    let x = this.embed.forward(ids.ids, shape);
    if (this.typeEmbed) x = add(x, embedding(this.typeEmbed.weight, opts.typeIds ?? new Int32Array(ids.batch * ids.length), shape));
    else if (opts.typeIds) throw new Error("EncoderOnly: token types given to a model without type_vocab_size");
    x = this.pos.forward(x);
    if (this.embedNorm) x = this.embedNorm.forward(x);
    x = dropoutIf(x, this.training ? this.config.dropout : 0, this.rng);
    return { hidden: this.stack.forward(x, { keyPad, keepWeights: opts.keepWeights }), keyPad }; // (B, T, dModel)
  }

  /** (B, dModel): the first token's state or the mean over non-pad positions, through the pooler where there is one. */
  pooled(hidden: Tensor, keyPad: Uint8Array | null): Tensor {
    const [B, , d] = hidden.shape;
    const pooled = this.config.pooling === "first" ? reshape(narrow(hidden, 1, 0, 1), [B, d]) : maskedMeanPool(hidden, keyPad);
    return this.pooler ? tanh(this.pooler.forward(pooled)) : pooled;
  }

  /** Masked-LM logits (B, T, V) at every position (head "mlm"). */
  mlmLogits(hidden: Tensor): Tensor {
    if (!this.mlmDense || !this.mlmNorm || !this.mlmDecoder) throw new Error(`this encoder_only model has head ${JSON.stringify(this.config.head ?? "classifier")}, not "mlm"`);
    const t = this.mlmNorm.forward(activate(this.mlmDense.forward(hidden), this.config.activation));
    return this.mlmDecoder.forward(t);
  }

  /** Class logits (B, numClasses) (head "classifier"). */
  forward(ids: TokenBatch, opts: EncoderOnlyInputs = {}): Tensor {
    const { hidden, keyPad } = this.hidden(ids, opts);
    return this.classifier.forward(this.pooled(hidden, keyPad));
  }
}
