/** A corpus as one token stream cut into fixed-length windows, for training the decoder-only language model. */
import { OptionError } from "../errors.js";

export interface TokenStreamOptions {
  /** Put this id before each sequence (e.g. bos, so that generation can start from it). */
  bos?: number;
  /** Put this id after each sequence (e.g. eos, so that the model learns where a text ends). */
  eos?: number;
}

/** Concatenates sequences into one stream: [bos] s1 [eos] [bos] s2 [eos] … */
export function tokenStream(seqs: readonly ArrayLike<number>[], opts: TokenStreamOptions = {}): Int32Array {
  const extra = (opts.bos === undefined ? 0 : 1) + (opts.eos === undefined ? 0 : 1);
  let total = 0;
  for (const s of seqs) total += s.length + extra;
  const out = new Int32Array(total);
  let k = 0;
  for (const s of seqs) {
    if (opts.bos !== undefined) out[k++] = opts.bos;
    for (let i = 0; i < s.length; i++) out[k++] = s[i];
    if (opts.eos !== undefined) out[k++] = opts.eos;
  }
  return out;
}

export interface WindowOptions {
  /** Start the first window this many tokens in (vary it per epoch to move the cut points). @default 0 */
  offset?: number;
}

/**
 * Cuts `stream` into windows of blockSize + 1 tokens that overlap by one (window k starts at offset + k·blockSize),
 * so that each window gives blockSize (input, next token) pairs and every token after the offset is a target once.
 * The last window may be shorter (at least 2 tokens); collate the windows with collateDecoderOnly and
 * { addBos: false, addEos: false }. Windows are views into `stream`.
 */
export function lmWindows(stream: Int32Array, blockSize: number, opts: WindowOptions = {}): Int32Array[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new OptionError(`blockSize must be an integer ≥ 1, got ${blockSize}`);
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new OptionError(`offset must be an integer ≥ 0, got ${offset}`);
  const out: Int32Array[] = [];
  for (let start = offset; start + 1 < stream.length; start += blockSize) {
    out.push(stream.subarray(start, Math.min(start + blockSize + 1, stream.length)));
  }
  return out;
}
