/** seq2seq's data and doors: sentence pairs from two TSV columns, scored also against shuffled sources; `translate`. */
import { type PairExample, type SpecialIds, collateSeq2Seq, filterPairsByLength, readTsv, seq2seqLengths } from "../data/index.js";
import { DataError } from "../errors.js";
import { type Seq2Seq, type Seq2SeqTrainBatch, seq2seq } from "../models/index.js";
import type { Dataset } from "../train/dataset.js";
import type { ArchitectureTask } from "./spec.js";

/** A seq2seq Dataset over encoded pairs already filtered to the model's max_len (the module's, or a test's). */
export function pairsDataset(pairs: readonly PairExample[], special: SpecialIds, dropped: Dataset["dropped"] = { tooLong: 0, empty: 0, badRows: 0 }): Dataset {
  return {
    arch: seq2seq.name, size: pairs.length, lengths: seq2seqLengths(pairs), dropped,
    targetIds: () => pairs.map((p) => [...Array.from(p.tgt), special.eos]),
    batch(indices) {
      const c = collateSeq2Seq(indices.map((i) => pairs[i]), special);
      const batch: Seq2SeqTrainBatch = {
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

/** The batch with its sources rotated by one row (row b gets source b + 1); single rows stay as they are. */
function rotateSources(batch: Seq2SeqTrainBatch): Seq2SeqTrainBatch {
  const { ids, batch: B, length: S } = batch.src;
  const rotated = new Int32Array(ids.length);
  for (let b = 0; b < B; b++) rotated.set(ids.subarray(((b + 1) % B) * S, ((b + 1) % B + 1) * S), b * S);
  return { ...batch, src: { ...batch.src, ids: rotated } };
}

export const seq2seqTask = {
  command: "translate",
  readTexts(file, cols) {
    const t = readTsv(file, { columns: [cols.srcCol, cols.tgtCol], onBadRow: cols.onBadRow });
    return { src: t.rows.map((r) => r[0]), tgt: t.rows.map((r) => r[1]), labels: [], badRows: t.skipped, lineNumbers: t.lineNumbers };
  },
  dataset(texts, o) {
    const pairs: PairExample[] = texts.src.map((s, i) => ({ src: o.srcTokenizer.encode(s), tgt: o.tgtTokenizer.encode(texts.tgt[i], { addEos: false }) }));
    // a source as the tokenizer gives it (Marian's ends in </s>, ours has no specials); the collate frames the target
    // the decoder sees n + 1 positions (bos y1..yn, or y1..yn eos)
    const f = filterPairsByLength(pairs, { maxSrcLen: o.maxLen, maxTgtLen: o.maxLen - 1 });
    if (f.kept.length === 0) throw new DataError(`${o.file}: every pair is longer than max_len ${o.maxLen} or empty`);
    return { ...pairsDataset(f.kept, o.special, { tooLong: f.droppedTooLong, empty: f.droppedEmpty, badRows: texts.badRows }), labels: [] };
  },
  measures: {
    // about the loss itself while the model ignores its source (a target-side language model); clearly above it once it translates
    shuffledSourceLoss: (model, batch, out) => seq2seq.loss(model, rotateSources(batch), 0).loss.item() * out.count,
  },
} satisfies ArchitectureTask<Seq2Seq, Seq2SeqTrainBatch>;
