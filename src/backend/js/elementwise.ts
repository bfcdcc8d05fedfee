import { checkLengths, checkPeriod } from "../kernel-args.js";

/**
 * The tensor layer's elementwise loops (residual adds, positions, scaling, zeroing). A float32 store rounds
 * float64 arithmetic once: for a sum of two floats that is the float32 sum itself (float64 has more than twice
 * float32's precision, so the double rounding cannot differ), for x·s the product with the float64 s rounded once.
 */

export function add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
  checkLengths("add", n, { a, b, out });
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

export function addTiled(x: Float32Array, tile: Float32Array, out: Float32Array, n: number, period: number): void {
  checkLengths("addTiled", n, { x, out });
  checkPeriod("addTiled", "tile", tile, period, n);
  for (let i = 0, j = 0; i < n; i++) {
    out[i] = x[i] + tile[j];
    if (++j === period) j = 0;
  }
}

export function tile(src: Float32Array, period: number, out: Float32Array, n: number): void {
  checkLengths("tile", n, { out });
  checkPeriod("tile", "src", src, period, n);
  if (period < 64) {
    // short rows: a set() per row costs more than the copy (as in copyStrided)
    for (let i = 0, j = 0; i < n; i++) {
      out[i] = src[j];
      if (++j === period) j = 0;
    }
    return;
  }
  // one view of the row for every whole row (a subarray per row was 14 ms of a small-preset training step)
  const row = src.length === period ? src : src.subarray(0, period);
  let i = 0;
  for (; i + period <= n; i += period) out.set(row, i);
  if (i < n) out.set(src.subarray(0, n - i), i);
}

export function scale(x: Float32Array, s: number, out: Float32Array, n: number): void {
  checkLengths("scale", n, { x, out });
  for (let i = 0; i < n; i++) out[i] = x[i] * s;
}

export function fill(out: Float32Array, value: number, n: number): void {
  checkLengths("fill", n, { out });
  out.fill(value, 0, n);
}

/** out[at] = Σ x[i]² over i < n, accumulated in float64 and rounded once (a gradient's squared norm, for clipping). */
export function sumSquares(x: Float32Array, n: number, out: Float32Array, at: number): void {
  checkLengths("sumSquares", n, { x });
  if (!Number.isInteger(at) || at < 0 || at >= out.length) throw new RangeError(`sumSquares: at ${at} is outside out's ${out.length} elements`);
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  out[at] = s;
}
