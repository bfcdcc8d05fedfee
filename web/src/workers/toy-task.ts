/**
 * The toy task trained live in the page: copy or reverse a short random sequence of symbols (A, B, …), as in
 * the Annotated Transformer's first example. Ids 0–3 are <pad>, <s>, </s>, <unk> as in trained checkpoints;
 * symbol k is id 4 + k.
 */
import type { Seq2SeqConfig } from "../../../src/models/architectures/seq2seq.js";
import { parseConfig } from "../../../src/models/config.js";
import { tokenBatch } from "../../../src/models/batch.js";
import type { Rng } from "../../../src/tensor/index.js";
import type { TrainBatch } from "../../../src/train/loss.js";
import type { ToyParams } from "../protocol.js";

export const SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"];
const FIRST_SYMBOL = SPECIALS.length;
export const MAX_SYMBOLS = 26;

/** A tiny encoder-decoder: 2 + 2 layers, d_model 32, 4 heads; no dropout (the task has no noise to fit). */
export function toyConfig(p: ToyParams): Seq2SeqConfig {
  const vocab = FIRST_SYMBOL + p.symbols;
  return parseConfig({
    architecture: "seq2seq", d_model: 32, num_heads: 4, d_ff: 64, num_encoder_layers: 2, num_decoder_layers: 2,
    src_vocab_size: vocab, tgt_vocab_size: vocab, dropout: 0, max_len: p.maxLen + 2,
  }, "toy config") as Seq2SeqConfig;
}

export function checkToyParams(p: ToyParams): void {
  const int = (v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what} must be an integer from ${lo} to ${hi}, got ${v}`);
  };
  int(p.symbols, 2, MAX_SYMBOLS, "symbols");
  int(p.minLen, 1, 30, "shortest length");
  int(p.maxLen, p.minLen, 30, "longest length");
  int(p.batchSize, 1, 512, "batch size");
  if (!(p.seconds > 0 && p.seconds <= 600)) throw new Error(`seconds must be in (0, 600], got ${p.seconds}`);
  int(p.seed, 0, 2 ** 31, "seed");
}

export function symbolLabel(id: number): string {
  return id < FIRST_SYMBOL ? SPECIALS[id] ?? `#${id}` : String.fromCharCode(65 + id - FIRST_SYMBOL);
}

export function spell(ids: readonly number[]): string {
  return ids.map(symbolLabel).join(" ");
}

/** A random sequence of symbol ids, its length uniform in [minLen, maxLen]. */
export function randomSequence(p: ToyParams, rng: Rng): number[] {
  const len = p.minLen + Math.floor(rng.uniform() * (p.maxLen - p.minLen + 1));
  return Array.from({ length: len }, () => FIRST_SYMBOL + Math.floor(rng.uniform() * p.symbols));
}

export function target(p: ToyParams, src: readonly number[]): number[] {
  return p.task === "reverse" ? [...src].reverse() : [...src];
}

/** A batch for teacher forcing: the decoder reads <s> y1 … yn and is scored on y1 … yn </s>. */
export function toyBatch(p: ToyParams, rng: Rng, cfg: Seq2SeqConfig): TrainBatch {
  const src: number[][] = [];
  const tgtIn: number[][] = [];
  const tgtOut: number[][] = [];
  for (let i = 0; i < p.batchSize; i++) {
    const s = randomSequence(p, rng);
    const t = target(p, s);
    src.push(s);
    tgtIn.push([cfg.bos_id, ...t]);
    tgtOut.push([...t, cfg.eos_id]);
  }
  return { kind: "seq2seq", src: tokenBatch(src, cfg.pad_id), tgtIn: tokenBatch(tgtIn, cfg.pad_id), tgtOut: tokenBatch(tgtOut, cfg.pad_id).ids };
}
