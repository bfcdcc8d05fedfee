import { collateEncoderOnly } from "../data/collate.js";
import { ConfigError, OptionError } from "../errors.js";
import type { EncoderOnly } from "../models/encoder-only.js";
import type { Model } from "../models/index.js";
import { inference } from "../nn/module.js";
import type { TextTokenizer } from "../tokenizer/index.js";

export interface LabelProbability {
  label: string;
  probability: number;
}

/** One text's class distribution under an encoder_only model. */
export interface Classification {
  /** The most probable label (the lowest class id among equals, as `evaluate` counts accuracy). */
  label: string;
  /** Every label with its probability (softmax of the logits), in class-id order; they sum to 1. */
  probabilities: LabelProbability[];
  /** Tokens cut off the end of the text to fit the model's max_len (bos takes one position); 0 when it fit. */
  truncatedTokens: number;
}

export interface ClassifyOptions {
  /** Texts run through the model together. @default 32 */
  batchSize?: number;
}

/**
 * The label names of an encoder_only model in class-id order: config.json's `labels` (what training wrote, the
 * sorted labels of its data), or the class ids themselves ("0", "1", ...) for a model that has none.
 */
export function labelNames(model: EncoderOnly): string[] {
  const c = model.config;
  const labels = (c as { labels?: unknown }).labels;
  if (labels === undefined) return Array.from({ length: c.num_classes }, (_, i) => String(i));
  if (!Array.isArray(labels) || labels.length !== c.num_classes || !labels.every((l) => typeof l === "string") || new Set(labels).size !== labels.length) {
    throw new ConfigError(`config.json: "labels" must be ${c.num_classes} distinct names (num_classes), got ${JSON.stringify(labels)}`);
  }
  return labels;
}

/**
 * Classifies texts with an encoder_only model: each is tokenised as in training (bos, then its tokens, cut to
 * max_len), run in batches of padded rows, and its logits turned into probabilities.
 */
export function classify(model: Model, tokenizer: TextTokenizer, texts: readonly string[], opts: ClassifyOptions = {}): Classification[] {
  if (model.config.architecture !== "encoder_only") throw new OptionError(`a ${model.config.architecture} model generates text; classify needs an encoder_only model`);
  const encoder = model as EncoderOnly;
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError("batchSize", `must be an integer ≥ 1, got ${batchSize}`);
  const labels = labelNames(encoder);
  const c = encoder.config;
  const room = c.max_len - 1;
  const special = { pad: c.pad_id, bos: c.bos_id, eos: c.eos_id };
  const out: Classification[] = [];
  inference(encoder, () => {
    for (let start = 0; start < texts.length; start += batchSize) {
      const ids = texts.slice(start, start + batchSize).map((t) => tokenizer.encode(t));
      // the label is what training feeds beside the ids; inference reads only the ids
      const batch = collateEncoderOnly(ids.map((row) => ({ ids: row.slice(0, room), label: 0 })), special);
      const logits = encoder.forward({ ids: batch.ids, batch: batch.batchSize, length: batch.seqLen }).data;
      const C = labels.length;
      ids.forEach((row, b) => {
        const p = softmax64(logits.subarray(b * C, (b + 1) * C));
        let best = 0;
        for (let k = 1; k < C; k++) if (p[k] > p[best]) best = k;
        out.push({ label: labels[best], probabilities: labels.map((label, k) => ({ label, probability: p[k] })), truncatedTokens: Math.max(0, row.length - room) });
      });
    }
  });
  return out;
}

/** The `k` most probable labels, best first (equal ones in class-id order). */
export function topLabels(c: Classification, k: number): LabelProbability[] {
  if (!Number.isInteger(k) || k < 1) throw new OptionError("top", `must be an integer ≥ 1, got ${k}`);
  return [...c.probabilities].sort((a, b) => b.probability - a.probability).slice(0, k);
}

/** Softmax in float64, so that the probabilities add up to 1 to double precision. */
function softmax64(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const p = Float64Array.from(logits, (x) => Math.exp(x - max));
  const sum = p.reduce((s, x) => s + x, 0);
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}
