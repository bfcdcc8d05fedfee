/** decoder_only's data and doors: text lines as one token stream cut into windows; `generate`. */
import { collateDecoderOnly, decoderOnlyLengths, lmWindows, readLines, tokenStream } from "../data/index.js";
import { type DecoderOnly, type DecoderOnlyTrainBatch, decoderOnly, ignoredTargetId } from "../models/index.js";
import type { ArchitectureTask } from "./spec.js";

export const decoderOnlyTask = {
  command: "generate",
  readTexts(file, cols) {
    const l = readLines(file, { onBadLine: cols.onBadRow });
    return { src: l.lines, tgt: [], labels: [], badRows: l.skipped, lineNumbers: l.lineNumbers };
  },
  // one stream of <s> text </s> <s> text </s> ..., cut into windows of max_len
  dataset(texts, o) {
    const special = o.special;
    const stream = tokenStream(texts.src.map((s) => o.srcTokenizer.encode(s)), { bos: special.bos, eos: special.eos });
    const windows = lmWindows(stream, o.maxLen);
    return {
      arch: decoderOnly.name, size: windows.length, lengths: decoderOnlyLengths(windows, { addBos: false, addEos: false }), labels: [],
      dropped: { tooLong: 0, empty: 0, badRows: texts.badRows },
      targetIds: () => windows.map((w) => w.subarray(1)),
      batch(indices) {
        // a pad shared with eos (GPT-2) is a real token in the stream: rows are padded with the ignored target instead,
        // which the inputs then read as pad (right padding, causal attention: no real position sees it)
        const ignored = ignoredTargetId({ pad_id: special.pad, bos_id: special.bos, eos_id: special.eos });
        const c = collateDecoderOnly(indices.map((i) => windows[i]), { ...special, pad: ignored }, { addBos: false, addEos: false });
        if (ignored !== special.pad) c.ids.forEach((id, k) => { if (id === ignored) c.ids[k] = special.pad; });
        const batch: DecoderOnlyTrainBatch = { kind: "decoder_only", ids: { ids: c.ids, batch: c.batchSize, length: c.seqLen }, targets: c.targets };
        return { batch, tokens: c.numTargetTokens };
      },
    };
  },
  measures: {},
} satisfies ArchitectureTask<DecoderOnly, DecoderOnlyTrainBatch>;
