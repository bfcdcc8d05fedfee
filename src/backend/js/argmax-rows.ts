import { checkCount } from "../kernel-args.js";

/**
 * Backend.argmaxRows: src/tensor/argmax.ts's loop on every row — `>` from index 0, so ties keep the lowest index,
 * NaN never beats anything, and a NaN at index 0 is never beaten.
 */
export function argmaxRows(x: Float32Array, rows: number, cols: number, out: Int32Array): void {
  checkCount("argmaxRows", "rows", rows);
  checkCount("argmaxRows", "cols", cols);
  if (rows > 0 && cols < 1) throw new RangeError("argmaxRows: cols must be ≥ 1 (an empty row has no largest value)");
  if (x.length < rows * cols) throw new RangeError(`argmaxRows: x has ${x.length} elements, needs ${rows * cols}`);
  if (out.length < rows) throw new RangeError(`argmaxRows: out has ${out.length} elements, needs ${rows}`);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let best = off;
    for (let i = off + 1; i < off + cols; i++) if (x[i] > x[best]) best = i;
    out[r] = best - off;
  }
}
