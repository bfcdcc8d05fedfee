/**
 * Running a BERT-style encoder (encoder_only with BERT's options, from a Hugging Face folder) on text with its
 * WordPiece tokenizer: classification of texts (head "classifier") and the most probable tokens at each [MASK]
 * (head "mlm"), as transformers' pipelines "text-classification" and "fill-mask" compute them. Browser-safe.
 */
import { OptionError } from "../errors.js";
import type { EncoderOnly } from "../models/encoder-only.js";
import type { Model } from "../models/index.js";
import { type Inspection, type LayerAttention, tokenLabel } from "../inspect/attention.js";
import { inference } from "../nn/module.js";
import type { TypedIds } from "../tokenizer/template.js";
import type { WordPieceTokenizer } from "../tokenizer/wordpiece.js";
import { type Classification, labelNames } from "./classify.js";

/** One candidate for a [MASK]: its token, and its probability there. */
export interface MaskFill {
  id: number;
  token: string;
  score: number;
  /** The text with this token in the mask's place (the others' left as they are), decoded without special tokens. */
  sequence: string;
}

export interface FillMaskResult {
  /** Per [MASK] of the text, in order: the topK most probable tokens, best first. */
  masks: MaskFill[][];
  truncatedTokens: number;
}

function encoderOf(model: Model, head: "classifier" | "mlm", command: string): EncoderOnly {
  if (model.config.architecture !== "encoder_only") throw new OptionError(`a ${model.config.architecture} model has no ${head} head; ${command} needs an encoder_only model`);
  const encoder = model as EncoderOnly;
  const has = encoder.config.head ?? "classifier";
  if (has !== head) throw new OptionError(`this encoder_only model has head ${JSON.stringify(has)}; ${command} needs head ${JSON.stringify(head)}${has === "mlm" ? " (use fill-mask)" : head === "mlm" ? " (a masked-LM model: BertForMaskedLM)" : ""}`);
  return encoder;
}

/** A text's ids with the tokenizer's special tokens, its content cut to fit max_len (as truncation=True does). */
function encodeFitting(tokenizer: WordPieceTokenizer, text: string, maxLen: number): { row: TypedIds; truncatedTokens: number } {
  const content = tokenizer.encode(text);
  const specials = tokenizer.withSpecials([]).ids.length;
  const room = Math.max(0, maxLen - specials);
  return { row: tokenizer.withSpecials(content.slice(0, room)), truncatedTokens: Math.max(0, content.length - room) };
}

/** Rows padded with pad_id into one batch, the padding masked by position (not by id: "[PAD]" in a text is a token). */
function padded(rows: readonly TypedIds[], padId: number) {
  const B = rows.length, T = Math.max(...rows.map((r) => r.ids.length));
  const ids = new Int32Array(B * T).fill(padId), typeIds = new Int32Array(B * T), keyPad = new Uint8Array(B * T).fill(1);
  rows.forEach((r, b) => {
    ids.set(r.ids, b * T);
    typeIds.set(r.typeIds, b * T);
    keyPad.fill(0, b * T, b * T + r.ids.length);
  });
  return { batch: { ids, batch: B, length: T }, inputs: { keyPad, typeIds } };
}

/** Softmax in float64 over logits[from, to). */
function softmax(logits: Float32Array, from: number, to: number): Float64Array {
  let max = -Infinity;
  for (let i = from; i < to; i++) max = Math.max(max, logits[i]);
  const p = new Float64Array(to - from);
  let sum = 0;
  for (let i = from; i < to; i++) sum += p[i - from] = Math.exp(logits[i] - max);
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/** Classifies texts with a BERT classifier: [CLS] text [SEP], in batches, softmax over its logits. */
export function classifyWordPiece(model: Model, tokenizer: WordPieceTokenizer, texts: readonly string[], { batchSize = 32 } = {}): Classification[] {
  const encoder = encoderOf(model, "classifier", "classify");
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError("batchSize", `must be an integer ≥ 1, got ${batchSize}`);
  const labels = labelNames(encoder);
  const out: Classification[] = [];
  inference(encoder, () => {
    for (let start = 0; start < texts.length; start += batchSize) {
      const encoded = texts.slice(start, start + batchSize).map((t) => encodeFitting(tokenizer, t, encoder.config.max_len));
      const { batch, inputs } = padded(encoded.map((e) => e.row), encoder.config.pad_id);
      const logits = encoder.forward(batch, inputs).data; // (B, C)
      const C = labels.length;
      encoded.forEach((e, b) => {
        const p = softmax(logits, b * C, (b + 1) * C);
        let best = 0;
        for (let k = 1; k < C; k++) if (p[k] > p[best]) best = k;
        out.push({ label: labels[best], probabilities: labels.map((label, k) => ({ label, probability: p[k] })), truncatedTokens: e.truncatedTokens });
      });
    }
  });
  return out;
}

/**
 * The topK most probable tokens at each [MASK] of a text under a masked-LM (ties: the lower id first), with their
 * softmax probabilities, as pipeline("fill-mask", top_k=K). Throws for a text without [MASK].
 */
export function fillMask(model: Model, tokenizer: WordPieceTokenizer, text: string, { topK = 5, maskToken = "[MASK]" } = {}): FillMaskResult {
  const encoder = encoderOf(model, "mlm", "fill-mask");
  if (!Number.isInteger(topK) || topK < 1) throw new OptionError("top", `must be an integer ≥ 1, got ${topK}`);
  const maskId = tokenizer.tokenToId(maskToken);
  if (maskId === undefined) throw new OptionError(`the tokenizer has no mask token ${JSON.stringify(maskToken)}`);
  const { row, truncatedTokens } = encodeFitting(tokenizer, text, encoder.config.max_len);
  const positions = row.ids.flatMap((id, t) => (id === maskId ? [t] : []));
  if (positions.length === 0) throw new OptionError(`no ${maskToken} in the text ${JSON.stringify(text)}${truncatedTokens > 0 ? " (after cutting it to max_len)" : ""}; write ${maskToken} where a word is to be predicted`);
  const { batch, inputs } = padded([row], encoder.config.pad_id);
  const V = encoder.config.vocab_size;
  const logits = inference(encoder, () => encoder.mlmLogits(encoder.hidden(batch, inputs).hidden).data); // (1, T, V)
  const k = Math.min(topK, V);
  const masks = positions.map((t) => {
    const p = softmax(logits, t * V, (t + 1) * V);
    const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b).slice(0, k);
    return order.map((id) => {
      const ids = [...row.ids];
      ids[t] = id;
      return { id, token: tokenizer.idToToken(id)!, score: p[id], sequence: tokenizer.decode(ids) };
    });
  });
  return { masks, truncatedTokens };
}

/**
 * Every layer's self-attention over a text's tokens ([CLS] text [SEP]), as an Inspection of encoder attention
 * (attentionSvg draws it); it predicts nothing, so `next` is empty. Any head: only the encoder runs.
 */
export function inspectWordPiece(model: Model, tokenizer: WordPieceTokenizer, text: string): { inspection: Inspection; truncatedTokens: number } {
  if (model.config.architecture !== "encoder_only") throw new OptionError(`a ${model.config.architecture} model is not a BERT encoder`);
  const encoder = model as EncoderOnly;
  const { row, truncatedTokens } = encodeFitting(tokenizer, text, encoder.config.max_len);
  const { batch, inputs } = padded([row], encoder.config.pad_id);
  const T = row.ids.length, label = tokenLabel(tokenizer);
  const attention = inference(encoder, () => {
    encoder.hidden(batch, { ...inputs, keepWeights: true });
    return encoder.stack.layers.items.map((l, layer): LayerAttention => {
      const w = l.selfAttn.lastWeights!;
      l.selfAttn.lastWeights = null;
      return { kind: "encoder", layer, heads: l.selfAttn.numHeads, queries: T, keys: T, weights: w.slice() }; // (h, T, T)
    });
  });
  const inspection: Inspection = {
    architecture: "encoder_only", sourceIds: [...row.ids], sourceTokens: row.ids.map(label), targetIds: [], targetTokens: [],
    attention, next: [], temperature: 1,
  };
  return { inspection, truncatedTokens };
}
