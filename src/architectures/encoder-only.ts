/** encoder_only's data and doors: texts and labels from two TSV columns, scored also by accuracy; run on text by classify. */
import { type LabeledExample, buildLabelMap, collateEncoderOnly, encoderOnlyLengths, filterByLength, labelIds, readTsv } from "../data/index.js";
import { DataError } from "../errors.js";
import { argmax } from "../tensor/index.js";
import { type EncoderOnly, type EncoderOnlyTrainBatch, encoderOnly } from "../models/index.js";
import type { ArchitectureTask } from "./spec.js";

export const encoderOnlyTask = {
  command: "classify",
  readTexts(file, cols) {
    const t = readTsv(file, { columns: [cols.textCol, cols.labelCol], onBadRow: cols.onBadRow });
    return { src: t.rows.map((r) => r[0]), tgt: [], labels: t.rows.map((r) => r[1]), badRows: t.skipped, lineNumbers: t.lineNumbers };
  },
  dataset(texts, o) {
    const labels = o.labels ?? buildLabelMap(texts.labels).labels;
    const map = { labels, ids: new Map(labels.map((l, i) => [l, i])) };
    const ids = labelIds(texts.labels, map, { source: o.file, lineNumbers: texts.lineNumbers });
    const examples: LabeledExample[] = texts.src.map((s, i) => ({ ids: o.srcTokenizer.encode(s), label: ids[i] }));
    // + bos, unless the tokenizer places the specials itself (BERT's [CLS] text [SEP])
    const framing = { addBos: !o.srcTokenizer.addsSpecials };
    const f = filterByLength(examples.map((e) => e.ids), o.maxLen - (framing.addBos ? 1 : 0));
    const kept = f.keptIndices.map((i) => examples[i]);
    if (kept.length === 0) throw new DataError(`${o.file}: every text is longer than max_len ${o.maxLen} or empty`);
    return {
      arch: encoderOnly.name, size: kept.length, lengths: encoderOnlyLengths(kept, framing), labels,
      dropped: { tooLong: f.droppedTooLong, empty: f.droppedEmpty, badRows: texts.badRows },
      targetIds: () => [],
      batch(indices) {
        const c = collateEncoderOnly(indices.map((i) => kept[i]), o.special, framing);
        let tokens = 0;
        for (const n of c.lengths) tokens += n;
        const batch: EncoderOnlyTrainBatch = { kind: "encoder_only", ids: { ids: c.ids, batch: c.batchSize, length: c.seqLen }, labels: c.labels };
        return { batch, tokens };
      },
    };
  },
  measures: {
    accuracy(_model, batch, out) {
      const n = batch.labels.length;
      const C = out.logits.shape[1];
      const logits = out.logits.data;
      let correct = 0;
      for (let b = 0; b < n; b++) if (argmax(logits, b * C, (b + 1) * C) === batch.labels[b]) correct++;
      return correct;
    },
  },
} satisfies ArchitectureTask<EncoderOnly, EncoderOnlyTrainBatch>;
