/**
 * The notes' toy translator: an encoder-decoder as small as the tutorial's worked example — dModel 2, one head,
 * dFF 6, one encoder and one decoder layer — over word-level vocabularies of a handful of words, trained by the
 * library's own trainer (trainStep, Adam) on a few pairs in well under a second, so that every number of the walk
 * (src/inspect/explain.ts) fits on a screen. Browser-safe: the page trains it in its worker.
 *
 * With dModel 2, LayerNorm leaves one degree of freedom: (x − mean) over two components is ±(x₀ − x₁)/2, so
 * every normalised vector lies on one line. With the default eps (1e-5) that line saturates to two points almost
 * everywhere and the model could tell only two states apart (it needs three: “vamos”, “ir”, <EOS>); an eps of 0.1
 * keeps LN(v) = ±d/√(d² + 4·eps)·γ + β a smooth function of d = x₀ − x₁, so the decoder's last vector can slide
 * along the line between the three answers. (Measured over seeds 1–8, 3,000 steps: with eps 1e-5 no seed learns
 * all four pairs; with 0.1, five do, seed 1 among them.)
 */
import { OptionError } from "../errors.js";
import { type TokenBatch, tokenBatch } from "../models/batch.js";
import type { Seq2SeqConfig } from "../models/architectures/seq2seq.js";
import { parseConfig } from "../models/config.js";
import { initParameters } from "../models/init.js";
import { Seq2Seq } from "../models/seq2seq.js";
import { generate } from "../generate/index.js";
import { Rng } from "../tensor/index.js";
import { Adam } from "../train/optimizer.js";
import { trainStep } from "../train/step.js";

/** Ids 0..2 are the project's pad, start and end tokens; the words follow. */
export const TOY_SPECIALS = ["<pad>", "<start>", "<EOS>"] as const;
export const TOY_SOURCE_WORDS = ["let's", "to", "go"] as const;
export const TOY_TARGET_WORDS = ["ir", "vamos", "y"] as const;
export const TOY_SOURCE_VOCAB: readonly string[] = [...TOY_SPECIALS, ...TOY_SOURCE_WORDS];
export const TOY_TARGET_VOCAB: readonly string[] = [...TOY_SPECIALS, ...TOY_TARGET_WORDS];

/** The pairs it learns (English → Spanish, word for word as in the notes). */
export const TOY_PAIRS: readonly (readonly [string, string])[] = [
  ["let's go", "vamos"],
  ["to go", "ir"],
  ["go", "ir"],
  ["let's go to go", "vamos y ir"],
];

export interface ToyTrainOptions {
  /** Seed of the initial weights. @default 1 */
  seed?: number;
  /** Optimizer steps, each over all the pairs. @default 3000 */
  steps?: number;
  /** Adam's learning rate (constant). @default 0.01 */
  lr?: number;
  /** Called after each step with its 1-based number and loss. */
  onStep?: (step: number, loss: number) => void;
}

export function toyConfig(): Seq2SeqConfig {
  return parseConfig({
    architecture: "seq2seq", d_model: 2, num_heads: 1, d_ff: 6, num_encoder_layers: 1, num_decoder_layers: 1,
    src_vocab_size: TOY_SOURCE_VOCAB.length, tgt_vocab_size: TOY_TARGET_VOCAB.length, max_len: 8, dropout: 0,
    layer_norm_eps: 0.1, pad_id: 0, bos_id: 1, eos_id: 2,
  }, "toy config") as Seq2SeqConfig;
}

function words(text: string, vocab: readonly string[], side: string): number[] {
  const ws = text.trim().split(/\s+/).filter(Boolean);
  if (ws.length === 0) throw new OptionError(`toy: the ${side} is empty; type some of: ${vocab.slice(TOY_SPECIALS.length).join(", ")}`);
  return ws.map((w) => {
    const id = vocab.indexOf(w.toLowerCase());
    if (id < TOY_SPECIALS.length) throw new OptionError(`toy: “${w}” is not in the ${side} vocabulary (${vocab.slice(TOY_SPECIALS.length).join(", ")})`);
    return id;
  });
}

/** A source sentence as the toy reads it: its words' ids, then <EOS> (the notes end the source with it). */
export function toySource(text: string): number[] {
  return [...words(text, TOY_SOURCE_VOCAB, "source"), 2];
}

export function toySourceLabel(id: number): string {
  return TOY_SOURCE_VOCAB[id] ?? `#${id}`;
}

export function toyTargetLabel(id: number): string {
  return TOY_TARGET_VOCAB[id] ?? `#${id}`;
}

/** All pairs as one batch for teacher forcing: the decoder reads <start> y₁…yₙ and is scored on y₁…yₙ <EOS>. */
function toyBatch(cfg: Seq2SeqConfig): { kind: "seq2seq"; src: TokenBatch; tgtIn: TokenBatch; tgtOut: Int32Array } {
  const src = TOY_PAIRS.map(([s]) => toySource(s));
  const tgt = TOY_PAIRS.map(([, t]) => words(t, TOY_TARGET_VOCAB, "target"));
  return {
    kind: "seq2seq", src: tokenBatch(src, cfg.pad_id),
    tgtIn: tokenBatch(tgt.map((t) => [cfg.bos_id, ...t]), cfg.pad_id),
    tgtOut: tokenBatch(tgt.map((t) => [...t, cfg.eos_id]), cfg.pad_id).ids,
  };
}

function positiveInt(key: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new OptionError(key, `must be an integer ≥ 1, got ${JSON.stringify(v)}`);
  return v;
}

/** Trains a fresh toy model on TOY_PAIRS (a full batch a step, no dropout or label smoothing) and returns it in eval mode. */
export function trainToy(opts: ToyTrainOptions = {}): { model: Seq2Seq; losses: number[] } {
  const seed = opts.seed ?? 1;
  const steps = positiveInt("steps", opts.steps ?? 3000);
  const lr = opts.lr ?? 0.01;
  if (!(lr > 0 && Number.isFinite(lr))) throw new OptionError("lr", `must be a number > 0, got ${JSON.stringify(opts.lr)}`);
  const cfg = toyConfig();
  const model = new Seq2Seq(cfg, new Rng(seed));
  initParameters(model, seed);
  model.train();
  const opt = new Adam(model.namedParameters(), { lr, betas: [0.9, 0.98], eps: 1e-9 });
  const batch = toyBatch(cfg);
  const losses: number[] = [];
  for (let s = 1; s <= steps; s++) {
    const { loss } = trainStep(model, opt, [batch], { labelSmoothing: 0, clip: Infinity, lr });
    losses.push(loss);
    opts.onStep?.(s, loss);
  }
  model.eval();
  return { model, losses };
}

/** Greedy translation of an English toy sentence, as words (<EOS> included when the model says it). */
export function toyTranslate(model: Seq2Seq, text: string): string[] {
  const ids = generate(model, [toySource(text)], { strategy: "greedy", maxNewTokens: model.config.max_len - 1 }).results[0][0].tokens;
  return ids.map(toyTargetLabel);
}
