/**
 * Collation: a list of token-id examples → the padded Int32Array tensors each architecture takes, batch-first and
 * row-major. Teacher forcing (paper §3.1, "output embeddings are offset by one position"): the decoder reads the
 * target shifted right (bos y1 … yn) and is trained to predict it shifted left (y1 … yn eos).
 */
import type { LabeledExample, PairExample, SpecialIds } from "./examples.js";

export interface Seq2SeqCollateOptions {
  /** Append eos to every source. @default false (the reference cases feed sources bare) */
  srcEos?: boolean;
}

export interface Seq2SeqBatch {
  /** (B, S) source ids, right-padded with pad. */
  src: Int32Array;
  /** (B, T) decoder input: bos y1 … yn, padded. */
  tgtIn: Int32Array;
  /** (B, T) decoder targets: y1 … yn eos, padded (pad positions are ignored by the loss). */
  tgtOut: Int32Array;
  batchSize: number;
  /** S: the longest source row. */
  srcLen: number;
  /** T: the longest target row (n + 1). */
  tgtLen: number;
  /** (B) non-pad length of each source row. */
  srcLengths: Int32Array;
  /** (B) non-pad length of each tgtIn / tgtOut row. */
  tgtLengths: Int32Array;
  /** Non-pad entries of tgtOut: the tokens the loss averages over. */
  numTargetTokens: number;
}

export interface DecoderOnlyCollateOptions {
  /** Start each sequence with bos. @default true (false for windows of a token stream, which hold their own) */
  addBos?: boolean;
  /** End each sequence with eos. @default true (false for windows of a token stream) */
  addEos?: boolean;
}

export interface DecoderOnlyBatch {
  /** (B, L) inputs: the full sequence (bos x1 … xn eos) without its last token, padded. */
  ids: Int32Array;
  /** (B, L) targets: the full sequence without its first token (ids shifted left), padded. */
  targets: Int32Array;
  batchSize: number;
  /** L: the longest row. */
  seqLen: number;
  /** (B) non-pad length of each row. */
  lengths: Int32Array;
  /** Non-pad entries of targets. */
  numTargetTokens: number;
}

export interface EncoderOnlyCollateOptions {
  /** Start each sequence with bos (the token the "first" pooling reads). @default true */
  addBos?: boolean;
  /** End each sequence with eos. @default false */
  addEos?: boolean;
}

export interface EncoderOnlyBatch {
  /** (B, L) ids, padded. */
  ids: Int32Array;
  /** (B) class ids. */
  labels: Int32Array;
  batchSize: number;
  /** L: the longest row. */
  seqLen: number;
  /** (B) non-pad length of each row. */
  lengths: Int32Array;
}

/** Collates source/target pairs for the encoder-decoder model. */
export function collateSeq2Seq(pairs: readonly PairExample[], special: SpecialIds, opts: Seq2SeqCollateOptions = {}): Seq2SeqBatch {
  checkBatch(pairs.length);
  const srcEos = opts.srcEos ?? false;
  const rowsSrc = pairs.map((p) => withSpecials(p.src, undefined, srcEos ? special.eos : undefined, special.pad));
  const rowsTgt = pairs.map((p) => withSpecials(p.tgt, special.bos, special.eos, special.pad)); // bos y1 … yn eos
  const src = padRows(rowsSrc, 0, 0, special.pad);
  const tgtIn = padRows(rowsTgt, 0, 1, special.pad); // drop the last token
  const tgtOut = padRows(rowsTgt, 1, 0, special.pad); // drop the first token
  return {
    src: src.data, tgtIn: tgtIn.data, tgtOut: tgtOut.data, batchSize: pairs.length,
    srcLen: src.width, tgtLen: tgtIn.width, srcLengths: src.lengths, tgtLengths: tgtIn.lengths,
    numTargetTokens: sum(tgtOut.lengths),
  };
}

/** Collates sequences for the decoder-only language model. */
export function collateDecoderOnly(
  seqs: readonly ArrayLike<number>[], special: SpecialIds, opts: DecoderOnlyCollateOptions = {},
): DecoderOnlyBatch {
  checkBatch(seqs.length);
  const bos = (opts.addBos ?? true) ? special.bos : undefined;
  const eos = (opts.addEos ?? true) ? special.eos : undefined;
  const rows = seqs.map((s, i) => {
    const row = withSpecials(s, bos, eos, special.pad);
    if (row.length < 2) throw new RangeError(`collateDecoderOnly: sequence ${i} has ${row.length} token(s) with specials (expected at least 2: an input and its target)`);
    return row;
  });
  const ids = padRows(rows, 0, 1, special.pad);
  const targets = padRows(rows, 1, 0, special.pad);
  return { ids: ids.data, targets: targets.data, batchSize: seqs.length, seqLen: ids.width, lengths: ids.lengths, numTargetTokens: sum(targets.lengths) };
}

/** Collates labeled sequences for the encoder-only classifier. */
export function collateEncoderOnly(
  examples: readonly LabeledExample[], special: SpecialIds, opts: EncoderOnlyCollateOptions = {},
): EncoderOnlyBatch {
  checkBatch(examples.length);
  const bos = (opts.addBos ?? true) ? special.bos : undefined;
  const eos = (opts.addEos ?? false) ? special.eos : undefined;
  const ids = padRows(examples.map((e) => withSpecials(e.ids, bos, eos, special.pad)), 0, 0, special.pad);
  const labels = Int32Array.from(examples, (e, i) => {
    if (!Number.isInteger(e.label) || e.label < 0) throw new RangeError(`collateEncoderOnly: example ${i} has label ${e.label} (expected a class id ≥ 0)`);
    return e.label;
  });
  return { ids: ids.data, labels, batchSize: examples.length, seqLen: ids.width, lengths: ids.lengths };
}

/** Row lengths the collated seq2seq tensors will have, [S_i, T_i], for batching by padded size. */
export function seq2seqLengths(pairs: readonly PairExample[], opts: Seq2SeqCollateOptions = {}): [number, number][] {
  const extra = (opts.srcEos ?? false) ? 1 : 0;
  return pairs.map((p) => [p.src.length + extra, p.tgt.length + 1]);
}

/** Row lengths the collated decoder-only tensors will have. */
export function decoderOnlyLengths(seqs: readonly ArrayLike<number>[], opts: DecoderOnlyCollateOptions = {}): number[] {
  const extra = ((opts.addBos ?? true) ? 1 : 0) + ((opts.addEos ?? true) ? 1 : 0) - 1;
  return seqs.map((s) => s.length + extra);
}

/** Row lengths the collated encoder-only tensors will have. */
export function encoderOnlyLengths(examples: readonly LabeledExample[], opts: EncoderOnlyCollateOptions = {}): number[] {
  const extra = ((opts.addBos ?? true) ? 1 : 0) + ((opts.addEos ?? false) ? 1 : 0);
  return examples.map((e) => e.ids.length + extra);
}

/** [bos] + ids + [eos] (each when given), checking that no id is pad or not a valid id. */
function withSpecials(ids: ArrayLike<number>, bos: number | undefined, eos: number | undefined, pad: number): Int32Array {
  const row = new Int32Array(ids.length + (bos === undefined ? 0 : 1) + (eos === undefined ? 0 : 1));
  let k = 0;
  if (bos !== undefined) row[k++] = bos;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`token id ${id} at position ${i} is not an id (expected an integer ≥ 0)`);
    if (id === pad) throw new RangeError(`token id ${id} at position ${i} is the pad id (a tokenizer must not emit pad inside text)`);
    row[k++] = id;
  }
  if (eos !== undefined) row[k++] = eos;
  return row;
}

/** Pads rows[i][dropFirst .. len − dropLast] into a (B, width) matrix. */
function padRows(rows: readonly Int32Array[], dropFirst: number, dropLast: number, pad: number) {
  const lengths = Int32Array.from(rows, (r) => Math.max(0, r.length - dropFirst - dropLast));
  const width = lengths.reduce((a, b) => Math.max(a, b), 0);
  const data = new Int32Array(rows.length * width).fill(pad); // (B, width)
  rows.forEach((r, b) => data.set(r.subarray(dropFirst, dropFirst + lengths[b]), b * width));
  return { data, width, lengths };
}

function sum(a: Int32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function checkBatch(n: number): void {
  if (n === 0) throw new RangeError("cannot collate an empty batch");
}
