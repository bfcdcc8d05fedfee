import {
  buildLabelMap, collateDecoderOnly, collateEncoderOnly, collateSeq2Seq, decoderOnlyLengths, encoderOnlyLengths,
  filterByLength, filterPairsByLength, labelIds, lmWindows, readLines, readTsv, seq2seqLengths, tokenStream,
  type ExampleLengths, type LabeledExample, type OnBadRow, type PairExample, type SpecialIds,
} from "../data/index.js";
import { DataError } from "../errors.js";
import type { Architecture } from "../models/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
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

/** The raw texts a tokenizer is trained on: source texts, and target texts (empty for one-sided data). */
export function readTexts(arch: Architecture, file: string, cols: TextColumns): DataTexts {
  if (arch === "seq2seq") {
    const t = readTsv(file, { columns: [cols.srcCol, cols.tgtCol], onBadRow: cols.onBadRow });
    return { src: t.rows.map((r) => r[0]), tgt: t.rows.map((r) => r[1]), labels: [], badRows: t.skipped, lineNumbers: t.lineNumbers };
  }
  if (arch === "encoder_only") {
    const t = readTsv(file, { columns: [cols.textCol, cols.labelCol], onBadRow: cols.onBadRow });
    return { src: t.rows.map((r) => r[0]), tgt: [], labels: t.rows.map((r) => r[1]), badRows: t.skipped, lineNumbers: t.lineNumbers };
  }
  const l = readLines(file, { onBadLine: cols.onBadRow });
  return { src: l.lines, tgt: [], labels: [], badRows: l.skipped, lineNumbers: l.lineNumbers };
}

export interface DatasetOptions extends TextColumns {
  arch: Architecture;
  file: string;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  special: SpecialIds;
  /** The model's max_len: the longest sequence its positions cover. */
  maxLen: number;
  /** encoder_only: the label names in class-id order (built from the training file when absent). */
  labels?: string[];
  /** The file's examples, already read (e.g. a selection of them); `file` then only names them in messages. */
  texts?: DataTexts;
}

/** A seq2seq Dataset over encoded pairs already filtered to the model's max_len (loadDataset's, or a test's). */
export function pairsDataset(pairs: readonly PairExample[], special: SpecialIds, dropped: Dataset["dropped"] = { tooLong: 0, empty: 0, badRows: 0 }): Dataset {
  return {
    arch: "seq2seq", size: pairs.length, lengths: seq2seqLengths(pairs), dropped,
    targetIds: () => pairs.map((p) => [...Array.from(p.tgt), special.eos]),
    batch(indices) {
      const c = collateSeq2Seq(indices.map((i) => pairs[i]), special);
      const batch: TrainBatch = {
        kind: "seq2seq",
        src: { ids: c.src, batch: c.batchSize, length: c.srcLen },
        tgtIn: { ids: c.tgtIn, batch: c.batchSize, length: c.tgtLen },
        tgtOut: c.tgtOut,
      };
      let srcTokens = 0;
      for (const n of c.srcLengths) srcTokens += n;
      return { batch, tokens: srcTokens + c.numTargetTokens };
    },
  };
}

/** Reads, tokenizes and filters a data file for one architecture. */
export function loadDataset(o: DatasetOptions): Dataset & { labels: string[] } {
  const texts = o.texts ?? readTexts(o.arch, o.file, o);
  if (texts.src.length === 0) throw new DataError(`${o.file}: no usable rows`);
  const special = o.special;
  if (o.arch === "seq2seq") {
    const pairs: PairExample[] = texts.src.map((s, i) => ({ src: o.srcTokenizer.encode(s), tgt: o.tgtTokenizer.encode(texts.tgt[i]) }));
    // the decoder sees n + 1 positions (bos y1..yn, or y1..yn eos)
    const f = filterPairsByLength(pairs, { maxSrcLen: o.maxLen, maxTgtLen: o.maxLen - 1 });
    if (f.kept.length === 0) throw new DataError(`${o.file}: every pair is longer than max_len ${o.maxLen} or empty`);
    return { ...pairsDataset(f.kept, special, { tooLong: f.droppedTooLong, empty: f.droppedEmpty, badRows: texts.badRows }), labels: [] };
  }
  if (o.arch === "encoder_only") {
    const labels = o.labels ?? buildLabelMap(texts.labels).labels;
    const map = { labels, ids: new Map(labels.map((l, i) => [l, i])) };
    const ids = labelIds(texts.labels, map, { source: o.file, lineNumbers: texts.lineNumbers });
    const examples: LabeledExample[] = texts.src.map((s, i) => ({ ids: o.srcTokenizer.encode(s), label: ids[i] }));
    const f = filterByLength(examples.map((e) => e.ids), o.maxLen - 1); // + bos
    const kept = f.keptIndices.map((i) => examples[i]);
    if (kept.length === 0) throw new DataError(`${o.file}: every text is longer than max_len ${o.maxLen} or empty`);
    return {
      arch: o.arch, size: kept.length, lengths: encoderOnlyLengths(kept), labels,
      dropped: { tooLong: f.droppedTooLong, empty: f.droppedEmpty, badRows: texts.badRows },
      targetIds: () => [],
      batch(indices) {
        const c = collateEncoderOnly(indices.map((i) => kept[i]), special);
        let tokens = 0;
        for (const n of c.lengths) tokens += n;
        return { batch: { kind: "encoder_only", ids: { ids: c.ids, batch: c.batchSize, length: c.seqLen }, labels: c.labels }, tokens };
      },
    };
  }
  // decoder_only: one stream of <s> text </s> <s> text </s> ..., cut into windows of max_len
  const stream = tokenStream(texts.src.map((s) => o.srcTokenizer.encode(s)), { bos: special.bos, eos: special.eos });
  const windows = lmWindows(stream, o.maxLen);
  return {
    arch: o.arch, size: windows.length, lengths: decoderOnlyLengths(windows, { addBos: false, addEos: false }), labels: [],
    dropped: { tooLong: 0, empty: 0, badRows: texts.badRows },
    targetIds: () => windows.map((w) => w.subarray(1)),
    batch(indices) {
      const c = collateDecoderOnly(indices.map((i) => windows[i]), special, { addBos: false, addEos: false });
      return { batch: { kind: "decoder_only", ids: { ids: c.ids, batch: c.batchSize, length: c.seqLen }, targets: c.targets }, tokens: c.numTargetTokens };
    },
  };
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
