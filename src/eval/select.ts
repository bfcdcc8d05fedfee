import { OptionError } from "../errors.js";
import type { DataTexts } from "../train/dataset.js";

/** Which examples of a data file to score. */
export interface Selection {
  /** Only examples whose source (seq2seq), text (encoder_only) or line (decoder_only) has at most this many tokens. */
  maxSrcTokens?: number;
  /** Only the first this many examples (after maxSrcTokens). */
  limit?: number;
}

/** Checks a selection's values (before any work: selectTexts checks them again). */
export function checkSelection(sel: Selection): void {
  for (const k of ["maxSrcTokens", "limit"] as const) {
    const v = sel[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new OptionError(k, `must be an integer ≥ 1, got ${v}`);
  }
}

/**
 * The examples of `texts` a selection keeps, in file order, with every column cut alike. `tokens` counts a source's
 * tokens. A selection that keeps nothing is an error naming it: there would be nothing to score.
 */
export function selectTexts(texts: DataTexts, sel: Selection, tokens: (text: string) => number): DataTexts {
  checkSelection(sel);
  let keep = texts.src.map((_, i) => i);
  if (sel.maxSrcTokens !== undefined) keep = keep.filter((i) => tokens(texts.src[i]) <= sel.maxSrcTokens!);
  if (keep.length === 0 && texts.src.length > 0) {
    throw new OptionError("maxSrcTokens", `${sel.maxSrcTokens} keeps none of the ${texts.src.length} examples (each has more tokens)`);
  }
  if (sel.limit !== undefined) keep = keep.slice(0, sel.limit);
  const pick = <T>(column: T[]) => (column.length ? keep.map((i) => column[i]) : column);
  return { src: pick(texts.src), tgt: pick(texts.tgt), labels: pick(texts.labels), lineNumbers: pick(texts.lineNumbers), badRows: texts.badRows };
}
