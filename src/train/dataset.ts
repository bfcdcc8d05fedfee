import type { ExampleLengths, OnBadRow, SpecialIds } from "../data/index.js";
import type { Architecture } from "../models/index.js";
import type { TextTokenizer } from "../tokenizer/index.js";
import type { TrainBatch } from "./loss.js";

/** Examples of one architecture, encoded, filtered to the model's max_len, ready to batch. */
export interface Dataset {
  arch: Architecture;
  size: number;
  /** Collated row lengths, as batchByTokens takes them. */
  lengths: ExampleLengths;
  /** Collates the examples at `indices` into a batch, and counts its non-pad tokens (inputs + targets). */
  batch(indices: readonly number[]): { batch: TrainBatch; tokens: number };
  /** Examples dropped as too long / empty, and rows skipped as malformed. */
  dropped: { tooLong: number; empty: number; badRows: number };
  /** Target tokens, for the unigram baseline. */
  targetIds(): Iterable<ArrayLike<number>>;
}

export interface TextColumns {
  srcCol: string;
  tgtCol: string;
  textCol: string;
  labelCol: string;
  onBadRow: OnBadRow;
}

/** The raw examples of a data file: source texts, target texts and labels (each empty where the data has none), line numbers. */
export interface DataTexts {
  src: string[];
  tgt: string[];
  labels: string[];
  badRows: number;
  lineNumbers: number[];
}

export interface DatasetOptions extends TextColumns {
  arch: Architecture;
  file: string;
  srcTokenizer: TextTokenizer;
  tgtTokenizer: TextTokenizer;
  special: SpecialIds;
  /** The model's max_len: the longest sequence its positions cover. */
  maxLen: number;
  /** encoder_only: the label names in class-id order (built from the training file when absent). */
  labels?: string[];
  /** The file's examples, already read (e.g. a selection of them); `file` then only names them in messages. */
  texts?: DataTexts;
}

/**
 * Cross-entropy (nats/token) of `valid` targets under the unigram distribution of `train` targets (add-one
 * smoothed): what a model that ignores context entirely would score. A trained model must beat it clearly.
 */
export function unigramBaseline(train: Dataset, valid: Dataset, vocabSize: number, skip: ReadonlySet<number>): number {
  const counts = new Float64Array(vocabSize).fill(1);
  let total = vocabSize;
  for (const row of train.targetIds()) for (let i = 0; i < row.length; i++) if (!skip.has(row[i])) { counts[row[i]]++; total++; }
  let nats = 0;
  let n = 0;
  for (const row of valid.targetIds()) for (let i = 0; i < row.length; i++) if (!skip.has(row[i])) { nats -= Math.log(counts[row[i]] / total); n++; }
  return n > 0 ? nats / n : NaN;
}
