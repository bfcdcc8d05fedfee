/** Dropping examples too long for the model (or empty), counting what was dropped. */
import { OptionError } from "../errors.js";
import type { PairExample } from "./examples.js";

export interface PairLengthLimits {
  /** Most source tokens kept (counted without special tokens). */
  maxSrcLen: number;
  /** Most target tokens kept (counted without special tokens: the decoder sees one more, bos or eos). */
  maxTgtLen: number;
}

export interface Filtered<T> {
  kept: T[];
  /** Index in the input of each kept example. */
  keptIndices: number[];
  /** Examples dropped for exceeding a maximum length. */
  droppedTooLong: number;
  /** Examples dropped for having no tokens on a side (an all-padding row would leave attention nothing to attend to). */
  droppedEmpty: number;
}

/** Keeps the pairs whose source and target both have 1..max tokens. */
export function filterPairsByLength<T extends PairExample>(pairs: readonly T[], limits: PairLengthLimits): Filtered<T> {
  checkMax("maxSrcLen", limits.maxSrcLen);
  checkMax("maxTgtLen", limits.maxTgtLen);
  return filter(pairs, (p) =>
    p.src.length === 0 || p.tgt.length === 0 ? "empty"
      : p.src.length > limits.maxSrcLen || p.tgt.length > limits.maxTgtLen ? "long" : "ok");
}

/** Keeps the sequences that have 1..maxLen tokens. */
export function filterByLength<T extends ArrayLike<number>>(seqs: readonly T[], maxLen: number): Filtered<T> {
  checkMax("maxLen", maxLen);
  return filter(seqs, (s) => (s.length === 0 ? "empty" : s.length > maxLen ? "long" : "ok"));
}

function filter<T>(items: readonly T[], verdict: (item: T) => "ok" | "long" | "empty"): Filtered<T> {
  const out: Filtered<T> = { kept: [], keptIndices: [], droppedTooLong: 0, droppedEmpty: 0 };
  items.forEach((item, i) => {
    const v = verdict(item);
    if (v === "long") out.droppedTooLong++;
    else if (v === "empty") out.droppedEmpty++;
    else {
      out.kept.push(item);
      out.keptIndices.push(i);
    }
  });
  return out;
}

function checkMax(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be an integer ≥ 1, got ${value}`);
}
