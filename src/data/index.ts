/** Data: corpora (TSV, text), length filtering, batching by a token budget, collation into padded id tensors. */
export { batchByTokens, paddedTokens, type BatchOptions, type ExampleLengths } from "./batching.js";
export {
  collateDecoderOnly, collateEncoderOnly, collateSeq2Seq, decoderOnlyLengths, encoderOnlyLengths, seq2seqLengths,
  type DecoderOnlyBatch, type DecoderOnlyCollateOptions, type EncoderOnlyBatch, type EncoderOnlyCollateOptions,
  type Seq2SeqBatch, type Seq2SeqCollateOptions,
} from "./collate.js";
export type { LabeledExample, PairExample, SpecialIds } from "./examples.js";
export { readDataFile, readLines, readTsv } from "./files.js";
export { buildLabelMap, labelIds, type LabelMap } from "./labels.js";
export { filterByLength, filterPairsByLength, type Filtered, type PairLengthLimits } from "./length-filter.js";
export { parseLines, type LinesOptions, type TextLines } from "./lines.js";
export { lmWindows, tokenStream, type TokenStreamOptions, type WindowOptions } from "./lm-windows.js";
export type { BadLine, NumberedLine } from "./text-lines.js";
export { splitUtf8Lines } from "./text-lines.js";
export { parseTsv, type OnBadRow, type TsvOptions, type TsvTable } from "./tsv.js";
