import {
  DecoderStack, type DecoderLayerCache, Embedding, EncoderStack, Linear, Module, PositionalEncoding,
} from "../nn/index.js";
import { type Recorder, Rng, Tensor, dropout, scopedRecorder } from "../tensor/index.js";
import { type TokenBatch, maskedPadId, paddingMask } from "./batch.js";
import type { Seq2SeqConfig } from "./architectures/seq2seq.js";
import { layerOptions } from "./layer-options.js";

/** The shared layer options and seq2seq's own: the final norms, and dropout rates of their own (Marian's). */
function seq2seqLayerOptions(cfg: Seq2SeqConfig) {
  return {
    ...layerOptions(cfg),
    finalNorm: cfg.final_norm,
    attentionDropout: cfg.attention_dropout === "dropout" ? undefined : cfg.attention_dropout,
    activationDropout: cfg.activation_dropout === "dropout" ? undefined : cfg.activation_dropout,
  };
}

/** nn.Transformer's two stacks, under the name `transformer` as in the PyTorch reference. */
class EncoderDecoder extends Module {
  readonly encoder: EncoderStack;
  readonly decoder: DecoderStack;
  constructor(cfg: Seq2SeqConfig, rng: Rng) {
    super();
    this.encoder = this.addChild("encoder", new EncoderStack(seq2seqLayerOptions(cfg), cfg.num_encoder_layers, rng));
    this.decoder = this.addChild("decoder", new DecoderStack(seq2seqLayerOptions(cfg), cfg.num_decoder_layers, rng));
  }
}

export interface Encoded {
  memory: Tensor; // (B, S, dModel): the encoder's final output, the source of cross-attention keys/values
  srcPad: Uint8Array | null; // (B, S)
}

export interface DecodeOptions {
  /** Per-layer KV caches for incremental decoding; `tgt` then holds only the new positions. */
  cache?: DecoderLayerCache[];
  /** Position of tgt's first token (the number of tokens already in the cache). */
  offset?: number;
  /** (B, offset + T) padding mask over all target positions so far; default: from tgt's ids (only at offset 0). */
  tgtKeyPad?: Uint8Array | null;
  keepWeights?: boolean;
  /** Records the decoder's values: `tgt_embed.*`, `tgt_pos.*`, `transformer.decoder.*` (src/tensor/recorder.ts). */
  recorder?: Recorder;
}

export interface EncodeOptions {
  keepWeights?: boolean;
  /** Records the encoder's values: `src_embed.*`, `src_pos.*`, `transformer.encoder.*` (src/tensor/recorder.ts). */
  recorder?: Recorder;
}

/** The encoder-decoder Transformer of "Attention Is All You Need" (architecture "seq2seq"). */
export class Seq2Seq extends Module {
  readonly srcEmbed: Embedding;
  readonly tgtEmbed: Embedding;
  readonly srcPos: PositionalEncoding;
  readonly tgtPos: PositionalEncoding;
  readonly transformer: EncoderDecoder;
  readonly generator: Linear;

  constructor(readonly config: Seq2SeqConfig, readonly rng: Rng = new Rng(0)) {
    super();
    const c = config;
    this.srcEmbed = this.addChild("src_embed", new Embedding(c.src_vocab_size, c.d_model, c.scale_embeddings));
    // paper §3.4: "the same weight matrix between the two embedding layers and the pre-softmax linear
    // transformation" (one vocabulary); the generator keeps its own bias
    const shared = c.tie_word_embeddings ? this.srcEmbed.weight : undefined;
    this.tgtEmbed = this.addChild("tgt_embed", new Embedding(c.tgt_vocab_size, c.d_model, c.scale_embeddings, shared));
    this.srcPos = this.addChild("src_pos", new PositionalEncoding(c.positional, c.max_len, c.d_model, c.sinusoid_layout));
    this.tgtPos = this.addChild("tgt_pos", new PositionalEncoding(c.positional, c.max_len, c.d_model, c.sinusoid_layout));
    this.transformer = this.addChild("transformer", new EncoderDecoder(c, rng));
    this.generator = this.addChild("generator", new Linear(c.d_model, c.tgt_vocab_size, true, shared));
  }

  /** Runs the encoder once over the source: its output is what every decoder step attends to. */
  encode(src: TokenBatch, { keepWeights = false, recorder }: EncodeOptions = {}): Encoded {
    const srcPad = paddingMask(src, this.config.pad_id);
    let x = this.srcEmbed.forward(src.ids, [src.batch, src.length], scopedRecorder(recorder, "src_embed")); // (B, S, dModel)
    x = this.srcPos.forward(x, 0, scopedRecorder(recorder, "src_pos"));
    const p = this.training ? this.config.dropout : 0;
    x = dropoutIf(x, p, this.rng);
    return { memory: this.transformer.encoder.forward(x, { keyPad: srcPad, keepWeights, recorder: scopedRecorder(recorder, "transformer.encoder") }), srcPad };
  }

  /** Decoder hidden states (B, T, dModel) for target ids, attending to the encoder output. */
  decode(tgt: TokenBatch, enc: Encoded, opts: DecodeOptions = {}): Tensor {
    const offset = opts.offset ?? 0;
    if (opts.tgtKeyPad === undefined && offset > 0) throw new Error("Seq2Seq.decode: decoding after cached positions needs tgtKeyPad over all of them (or null)");
    // a pad id that is also bos (Marian starts decoding from its pad token) or eos marks no target padding
    const pad = maskedPadId(this.config);
    const tgtPad = opts.tgtKeyPad !== undefined ? opts.tgtKeyPad : pad === null ? null : paddingMask(tgt, pad);
    const rec = opts.recorder;
    let y = this.tgtEmbed.forward(tgt.ids, [tgt.batch, tgt.length], scopedRecorder(rec, "tgt_embed")); // (B, T, dModel)
    y = this.tgtPos.forward(y, offset, scopedRecorder(rec, "tgt_pos"));
    y = dropoutIf(y, this.training ? this.config.dropout : 0, this.rng);
    return this.transformer.decoder.forward(y, enc.memory, {
      tgtKeyPad: tgtPad, memKeyPad: enc.srcPad, cache: opts.cache, keepWeights: opts.keepWeights, recorder: scopedRecorder(rec, "transformer.decoder"),
    });
  }

  /** The final linear layer: hidden (…, dModel) → logits over the target vocabulary (…, V). */
  logits(hidden: Tensor): Tensor {
    return this.generator.forward(hidden);
  }

  /** Teacher forcing: logits (B, T, V) for the decoder input (the target shifted right). */
  forward(src: TokenBatch, tgtIn: TokenBatch): Tensor {
    return this.logits(this.decode(tgtIn, this.encode(src)));
  }
}

/** Dropout on the summed embeddings (paper §5.4), a no-op when p is 0. */
export function dropoutIf(x: Tensor, p: number, rng: Rng): Tensor {
  return p > 0 ? dropout(x, p, rng) : x;
}
