import { type AttentionCache, type DecoderLayerCache, inference } from "../nn/index.js";
import { growPaddingMask, selectAttentionCache, selectMaskRows, selectRows } from "../nn/kv-cache.js";
import { Tensor, narrow } from "../tensor/index.js";
import { type TokenBatch, maskedPadId } from "./batch.js";
import type { DecoderOnly } from "./decoder-only.js";
import type { Encoded, Seq2Seq } from "./seq2seq.js";

/**
 * A model decoding one token per row and step over a KV cache: what every search drives. Rows are
 * sentences (greedy, sampling) or sentences × beams (beam search); `select` keeps, repeats and reorders them.
 */
export interface StepDecoder {
  /** Rows decoded now. */
  readonly rows: number;
  readonly vocabSize: number;
  /**
   * Runs the model over what each row starts from (bos for seq2seq, the prompt for decoder_only) and returns
   * the next-token logits (rows, V).
   */
  start(): Float32Array;
  /** Feeds one token per row and returns the next-token logits (rows, V). */
  step(tokens: ArrayLike<number>): Float32Array;
  /** Keeps rows `index` in that order (repeats allowed): beam reordering, dropping finished rows. */
  select(index: ArrayLike<number>): void;
  /** How many more tokens row `row` can be fed before its positions reach the model's max_len. */
  positionsLeft(row: number): number;
}

/** Logits (B, V) of the last position of hidden states (B, T, dModel). */
function lastLogits(hidden: Tensor, logits: (h: Tensor) => Tensor): Float32Array {
  const T = hidden.shape[1];
  const last = T === 1 ? hidden : narrow(hidden, 1, T - 1, 1); // (B, 1, dModel)
  return logits(last).data; // (B, 1, V) read as (B, V)
}

/**
 * Encoder-decoder decoding: the encoder runs once; each decoder layer caches its self-attention keys/values
 * (one row more per step) and its cross-attention keys/values (computed once from the encoder output).
 */
export class Seq2SeqStepDecoder implements StepDecoder {
  private enc: Encoded;
  private cache: DecoderLayerCache[];
  private offset = 0;
  /** (rows, offset) 1 where a fed target token is pad (only if the model emitted pad); null otherwise. */
  private tgtPad: Uint8Array | null = null;
  rows: number;

  constructor(private readonly model: Seq2Seq, src: TokenBatch) {
    this.rows = src.batch;
    this.enc = inference(model, () => model.encode(src)); // once per source sentence
    this.cache = model.transformer.decoder.layers.items.map(() => ({ self: {}, cross: {} }));
  }

  get vocabSize(): number {
    return this.model.config.tgt_vocab_size;
  }

  start(): Float32Array {
    if (this.offset !== 0) throw new Error("Seq2SeqStepDecoder.start: already started");
    return this.step(new Array<number>(this.rows).fill(this.model.config.bos_id));
  }

  step(tokens: ArrayLike<number>): Float32Array {
    if (tokens.length !== this.rows) throw new Error(`step: ${tokens.length} tokens for ${this.rows} rows`);
    const tgt: TokenBatch = { ids: Int32Array.from(tokens), batch: this.rows, length: 1 };
    // finished rows are dropped rather than padded, so a target position is padding only if the model chose pad
    this.tgtPad = growPaddingMask(this.tgtPad, this.offset, tokens, maskedPadId(this.model.config));
    return inference(this.model, () => {
      const hidden = this.model.decode(tgt, this.enc, { cache: this.cache, offset: this.offset, tgtKeyPad: this.tgtPad });
      this.offset++;
      return lastLogits(hidden, (h) => this.model.logits(h));
    });
  }

  select(index: ArrayLike<number>): void {
    const S = this.enc.memory.shape[1];
    this.enc = { memory: selectRows(this.enc.memory, index), srcPad: selectMaskRows(this.enc.srcPad, S, index) };
    this.tgtPad = selectMaskRows(this.tgtPad, this.offset, index);
    for (const c of this.cache) {
      selectAttentionCache(c.self, index);
      selectAttentionCache(c.cross, index);
    }
    this.rows = index.length;
  }

  positionsLeft(): number {
    return this.model.config.max_len - this.offset;
  }
}

/**
 * GPT-style decoding over a KV cache. Prompts of different lengths are left-padded and each row's positions
 * start at 0 at its first real token, so every row decodes exactly as it would alone.
 */
export class DecoderOnlyStepDecoder implements StepDecoder {
  private cache: AttentionCache[];
  private offset = 0;
  /** (rows, offset) 1 where a position is left padding (or a pad the model emitted); null when none is. */
  private keyPad: Uint8Array | null;
  /** Left padding of each row: its positions are column − shift. */
  private shift: Int32Array;
  private readonly prompt: TokenBatch;
  rows: number;

  constructor(private readonly model: DecoderOnly, prompts: readonly (readonly number[])[]) {
    const P = Math.max(...prompts.map((p) => p.length));
    this.rows = prompts.length;
    const ids = new Int32Array(this.rows * P).fill(model.config.pad_id);
    this.shift = Int32Array.from(prompts, (p) => P - p.length);
    prompts.forEach((p, b) => ids.set(p, b * P + this.shift[b]));
    this.keyPad = promptPadding(ids, this.shift, P, maskedPadId(model.config)); // left padding (and any pad in a prompt)
    this.prompt = { ids, batch: this.rows, length: P };
    this.cache = model.stack.layers.items.map(() => ({}));
  }

  get vocabSize(): number {
    return this.model.config.vocab_size;
  }

  start(): Float32Array {
    if (this.offset !== 0) throw new Error("DecoderOnlyStepDecoder.start: already started");
    return this.run(this.prompt);
  }

  step(tokens: ArrayLike<number>): Float32Array {
    if (tokens.length !== this.rows) throw new Error(`step: ${tokens.length} tokens for ${this.rows} rows`);
    this.keyPad = growPaddingMask(this.keyPad, this.offset, tokens, maskedPadId(this.model.config));
    return this.run({ ids: Int32Array.from(tokens), batch: this.rows, length: 1 });
  }

  private run(batch: TokenBatch): Float32Array {
    const T = batch.length;
    const positions = new Int32Array(this.rows * T); // (B, T)
    for (let b = 0; b < this.rows; b++) {
      for (let t = 0; t < T; t++) positions[b * T + t] = Math.max(0, this.offset + t - this.shift[b]);
    }
    return inference(this.model, () => {
      const hidden = this.model.hidden(batch, { cache: this.cache, offset: this.offset, keyPad: this.keyPad, positions });
      this.offset += T;
      return lastLogits(hidden, (h) => this.model.logits(h));
    });
  }

  select(index: ArrayLike<number>): void {
    for (const c of this.cache) selectAttentionCache(c, index);
    this.keyPad = selectMaskRows(this.keyPad, this.offset, index);
    this.shift = Int32Array.from(index, (i) => this.shift[i]);
    this.rows = index.length;
  }

  positionsLeft(row: number): number {
    return this.model.config.max_len - (this.offset - this.shift[row]);
  }
}

/**
 * (rows, P) 1 at each row's left padding (its first `shift` columns) and, where the pad id is a token of its own
 * (maskedPadId), at a pad inside a prompt, as the uncached model masks it; null when nothing is padding.
 */
function promptPadding(ids: Int32Array, shift: Int32Array, P: number, pad: number | null): Uint8Array | null {
  const mask = new Uint8Array(ids.length);
  let any = false;
  for (let b = 0; b < shift.length; b++) {
    for (let t = 0; t < P; t++) {
      if (t < shift[b] || (pad !== null && ids[b * P + t] === pad)) {
        mask[b * P + t] = 1;
        any = true;
      }
    }
  }
  return any ? mask : null;
}
