/**
 * What a model attends to and predicts for one input: every layer's and head's attention weights, the tokens
 * on both sides, and the most likely next tokens at each decoder position. Browser-safe (no Node imports): the
 * page reuses it; the CLI only adds the file writing.
 */
import { OptionError } from "../errors.js";
import type { Architecture } from "../models/architectures/registry.js";
import { tokenBatch } from "../models/batch.js";
import type { DecoderOnly } from "../models/decoder-only.js";
import type { Seq2Seq } from "../models/seq2seq.js";
import type { MultiHeadAttention } from "../nn/attention.js";
import { inference } from "../nn/module.js";

/** encoder: encoder self-attention; decoder: masked decoder self-attention; cross: encoder-decoder attention; self: a decoder_only layer. */
export type AttentionKind = "encoder" | "decoder" | "cross" | "self";

/** One layer's attention weights, every head. Row t holds query t's weights over the keys (each row sums to 1). */
export interface LayerAttention {
  kind: AttentionKind;
  layer: number;
  heads: number;
  /** Query positions T (rows). */
  queries: number;
  /** Key positions S (columns). */
  keys: number;
  /** (heads, T, S) row-major. */
  weights: Float32Array;
}

export interface NextToken {
  id: number;
  token: string;
  prob: number;
}

export interface Inspection {
  architecture: Architecture;
  /** seq2seq: the source (encoder positions); empty for decoder_only. */
  sourceIds: number[];
  sourceTokens: string[];
  /** The decoder's input positions: bos and the target so far (seq2seq), or the whole sequence (decoder_only). */
  targetIds: number[];
  targetTokens: string[];
  /** Every layer's attention, in the order encoder layers, then per decoder layer its self- and cross-attention. */
  attention: LayerAttention[];
  /** Per decoder position, the topN most likely next tokens, probabilities from softmax(logits / temperature). */
  next: NextToken[][];
  temperature: number;
}

export interface InspectOptions {
  /** Softmax temperature of the next-token probabilities (> 0). @default 1 */
  temperature?: number;
  /** How many next tokens to list per position (integer ≥ 1). @default 5 */
  topN?: number;
  /** Label of a source token id. @default String(id) */
  sourceLabel?: (id: number) => string;
  /** Label of a target token id. @default String(id) */
  targetLabel?: (id: number) => string;
}

/** The (heads, T, S) weights of one attention module's last call, taken out of it. */
function take(attn: MultiHeadAttention, kind: AttentionKind, layer: number, T: number, S: number): LayerAttention {
  const w = attn.lastWeights;
  if (!w) throw new Error(`inspect: ${kind} attention of layer ${layer} kept no weights`);
  attn.lastWeights = null;
  // a copy of its own: under inference the weights are a view into a shared slab (tensor/alloc.ts), which posting
  // them to another thread would copy whole
  return { kind, layer, heads: attn.numHeads, queries: T, keys: S, weights: w.slice() }; // B = 1: (1, h, T, S) is (h, T, S)
}

function checkOptions(opts: InspectOptions): { temperature: number; topN: number } {
  const temperature = opts.temperature ?? 1;
  const topN = opts.topN ?? 5;
  if (!(typeof temperature === "number" && Number.isFinite(temperature) && temperature > 0)) {
    throw new OptionError("temperature", `must be a number > 0, got ${JSON.stringify(opts.temperature)}`);
  }
  if (!Number.isInteger(topN) || topN < 1) throw new OptionError("topN", `must be an integer ≥ 1, got ${JSON.stringify(opts.topN)}`);
  return { temperature, topN };
}

/** The topN entries of softmax(logits / temperature) for each of T rows of (T, V) logits. */
export function topNextTokens(logits: Float32Array, T: number, V: number, temperature: number, topN: number, label: (id: number) => string): NextToken[][] {
  const out: NextToken[][] = [];
  for (let t = 0; t < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    let max = -Infinity;
    for (const z of row) if (z > max) max = z;
    let sum = 0;
    for (const z of row) sum += Math.exp((z - max) / temperature);
    const ids = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b).slice(0, topN);
    out.push(ids.map((id) => ({ id, token: label(id), prob: Math.exp((row[id] - max) / temperature) / sum })));
  }
  return out;
}

/**
 * Runs a seq2seq model once over `source` and the decoder input `target` (bos first) and returns its
 * attention (encoder, decoder, cross; every layer and head) and next-token predictions.
 */
export function inspectSeq2Seq(model: Seq2Seq, source: readonly number[], target: readonly number[], opts: InspectOptions = {}): Inspection {
  const { temperature, topN } = checkOptions(opts);
  const c = model.config;
  if (source.length === 0 || target.length === 0) throw new OptionError("inspect: source and target need at least one token each");
  for (const [what, ids] of [["source", source], ["target", target]] as const) {
    if (ids.length > c.max_len) throw new OptionError(`inspect: the ${what} has ${ids.length} tokens, more than the model's max_len ${c.max_len}`);
  }
  const S = source.length;
  const T = target.length;
  const srcLabel = opts.sourceLabel ?? String;
  const tgtLabel = opts.targetLabel ?? String;
  return inference(model, () => {
    const enc = model.encode(tokenBatch([source]), { keepWeights: true });
    const logits = model.logits(model.decode(tokenBatch([target]), enc, { keepWeights: true })).data; // (1, T, V)
    const attention: LayerAttention[] = [];
    model.transformer.encoder.layers.items.forEach((l, i) => attention.push(take(l.selfAttn, "encoder", i, S, S)));
    model.transformer.decoder.layers.items.forEach((l, i) => {
      attention.push(take(l.selfAttn, "decoder", i, T, T));
      attention.push(take(l.crossAttn, "cross", i, T, S));
    });
    return {
      architecture: "seq2seq" as const,
      sourceIds: [...source], sourceTokens: source.map(srcLabel),
      targetIds: [...target], targetTokens: target.map(tgtLabel),
      attention,
      next: topNextTokens(logits, T, c.tgt_vocab_size, temperature, topN, tgtLabel),
      temperature,
    };
  });
}

/** Runs a decoder_only model once over `ids` and returns every layer's causal self-attention and next-token predictions. */
export function inspectDecoderOnly(model: DecoderOnly, ids: readonly number[], opts: InspectOptions = {}): Inspection {
  const { temperature, topN } = checkOptions(opts);
  const c = model.config;
  if (ids.length === 0) throw new OptionError("inspect: the sequence needs at least one token");
  if (ids.length > c.max_len) throw new OptionError(`inspect: the sequence has ${ids.length} tokens, more than the model's max_len ${c.max_len}`);
  const T = ids.length;
  const label = opts.targetLabel ?? String;
  return inference(model, () => {
    const logits = model.forward(tokenBatch([ids]), { keepWeights: true }).data; // (1, T, V)
    const attention = model.stack.layers.items.map((l, i) => take(l.selfAttn, "self", i, T, T));
    return {
      architecture: "decoder_only" as const,
      sourceIds: [], sourceTokens: [],
      targetIds: [...ids], targetTokens: ids.map(label),
      attention,
      next: topNextTokens(logits, T, c.vocab_size, temperature, topN, label),
      temperature,
    };
  });
}

/** The (T, S) weights of one head as rows. */
export function headWeights(a: LayerAttention, head: number): number[][] {
  if (!Number.isInteger(head) || head < 0 || head >= a.heads) throw new RangeError(`head ${head} is outside 0..${a.heads - 1}`);
  const { queries: T, keys: S } = a;
  return Array.from({ length: T }, (_, t) => Array.from(a.weights.subarray((head * T + t) * S, (head * T + t + 1) * S)));
}

/** The weights averaged over heads, (T, S) as rows. */
export function meanOverHeads(a: LayerAttention): number[][] {
  const { queries: T, keys: S, heads: h } = a;
  return Array.from({ length: T }, (_, t) =>
    Array.from({ length: S }, (_, s) => {
      let sum = 0;
      for (let i = 0; i < h; i++) sum += a.weights[(i * T + t) * S + s];
      return sum / h;
    }));
}

/** What inspection needs of a tokenizer to label tokens. */
export interface TokenLabeler {
  decode(ids: number[], opts?: { skipSpecial?: boolean }): string;
  idToToken?(id: number): string | undefined;
}

/**
 * A readable label for one token id: its text (specials included), with a leading space shown as "▁"; a
 * token that is only part of a character (byte-level BPE), only whitespace or a control character shows its
 * byte-level spelling instead (or \xNN escapes without one).
 */
export function tokenLabel(tokenizer: TokenLabeler): (id: number) => string {
  return (id) => {
    const text = tokenizer.decode([id], { skipSpecial: false });
    if (text.includes("\uFFFD") || text.trim() === "" || /\p{Cc}/u.test(text)) {
      return tokenizer.idToToken?.(id) ?? (text === "" ? `#${id}` : text.replace(/ /g, "▁").replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
    }
    return text.replace(/^ /, "▁");
  };
}
