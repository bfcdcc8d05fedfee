import type { AttentionCache } from "./attention.js";
import { backend } from "../backend/index.js";
import { Tensor } from "../tensor/index.js";

/**
 * Rows `index` of a (B, ...) tensor, in that order (repeats allowed): (index.length, ...). No graph. A run of
 * consecutive rows is one backend copy, so a cache on a GPU stays there.
 */
export function selectRows(t: Tensor, index: ArrayLike<number>): Tensor {
  const B = t.shape[0];
  const inner = B === 0 ? 0 : t.size / B;
  for (let r = 0; r < index.length; r++) {
    const i = index[r];
    if (!Number.isInteger(i) || i < 0 || i >= B) throw new RangeError(`selectRows: row ${i} is outside 0..${B - 1}`);
  }
  const out = new Float32Array(index.length * inner); // kept across steps: never a slab
  const be = backend();
  for (let r = 0; r < index.length; ) {
    let run = 1;
    while (r + run < index.length && index[r + run] === index[r] + run) run++;
    if (inner > 0) be.copyStrided({ src: t.buf, srcOffset: index[r] * inner, dst: out, dstOffset: r * inner, sizes: [run * inner], srcStrides: [1], dstStrides: [1] });
    r += run;
  }
  return new Tensor(out, [index.length, ...t.shape.slice(1)]);
}

/** Rows `index` of a (B, width) padding mask; null stays null. */
export function selectMaskRows(mask: Uint8Array | null, width: number, index: ArrayLike<number>): Uint8Array | null {
  if (!mask) return null;
  const out = new Uint8Array(index.length * width);
  for (let r = 0; r < index.length; r++) out.set(mask.subarray(index[r] * width, (index[r] + 1) * width), r * width);
  return out;
}

/**
 * Keeps the cached keys/values of rows `index` (B, rows, dModel) → (index.length, rows, dModel), in place: beam
 * search gathers each surviving beam's parent row; finished sentences are dropped the same way. (A self-attention
 * cache's spare capacity comes along; its `length` stays.)
 */
export function selectAttentionCache(cache: AttentionCache, index: ArrayLike<number>): void {
  if (cache.k) cache.k = selectRows(cache.k, index);
  if (cache.v) cache.v = selectRows(cache.v, index);
}

/**
 * The (B, width + 1) padding mask after one more token per row: 1 in the new column where the token is the pad
 * id (a model may emit it; the uncached decoder would mask it, so the cached one does too); `padId` null: no token
 * is padding. Stays null while nothing is padding.
 */
export function growPaddingMask(mask: Uint8Array | null, width: number, tokens: ArrayLike<number>, padId: number | null): Uint8Array | null {
  const B = tokens.length;
  let anyPad = false;
  for (let b = 0; b < B; b++) if (padId !== null && tokens[b] === padId) anyPad = true;
  if (!mask && !anyPad) return null;
  const out = new Uint8Array(B * (width + 1));
  for (let b = 0; b < B; b++) {
    if (mask) out.set(mask.subarray(b * width, (b + 1) * width), b * (width + 1));
    out[b * (width + 1) + width] = tokens[b] === padId ? 1 : 0;
  }
  return out;
}
