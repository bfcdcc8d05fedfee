import { checkCount } from "../../kernel-args.js";
import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { ROW_THREADS } from "./reduce.js";

/**
 * argmaxRows: one workgroup a row, each thread the best of a strided share, then a tree that keeps the larger
 * value and, on a tie, the lower index — the same answer as the reference's scan from index 0, since the lowest
 * index of the largest value does not depend on the order of comparisons. Values are compared as integers made
 * from their bits (sign and magnitude to two's complement, −0 and 0 both 0), so that a GPU that flushes subnormals
 * still orders them, and NaN is recognised by its bits (WGSL lets a compiler assume there is none). As the
 * reference: a NaN is passed over, unless it is at index 0, which nothing then beats.
 */
export const ARGMAX_ROWS: KernelSpec = {
  name: "argmaxRows",
  buffers: [{ name: "x" }, { name: "out", write: true }],
  params: [["rows", "u32"], ["cols", "u32"]],
  workgroupSize: [ROW_THREADS],
  decls: /* wgsl */ `
const T: u32 = ${ROW_THREADS}u;
const NONE: u32 = 0xffffffffu;
var<workgroup> keys: array<i32, ${ROW_THREADS}>;
var<workgroup> idx: array<u32, ${ROW_THREADS}>;
fn is_nan(b: u32) -> bool { return (b & 0x7fffffffu) > 0x7f800000u; }
fn order_key(b: u32) -> i32 {
  if ((b & 0x80000000u) == 0u) { return i32(b); }
  return -i32(b & 0x7fffffffu);
}`,
  main: /* wgsl */ `
  let r = wg;
  if (r >= P.rows) { return; }
  let off = r * P.cols;
  var k = -2147483647 - 1; // below every value's key (−∞ is −0x7f800000)
  var best = NONE;
  for (var j = li; j < P.cols; j += T) {
    let b = x_u(off + j);
    if (is_nan(b)) { continue; }
    let kj = order_key(b);
    if (best == NONE || kj > k) { k = kj; best = j; } // j rises: a tie keeps the earlier
  }
  keys[li] = k;
  idx[li] = best;
  workgroupBarrier();
  for (var s = T / 2u; s > 0u; s >>= 1u) {
    if (li < s) {
      let k2 = keys[li + s];
      let i2 = idx[li + s];
      if (i2 != NONE && (idx[li] == NONE || k2 > keys[li] || (k2 == keys[li] && i2 < idx[li]))) {
        keys[li] = k2;
        idx[li] = i2;
      }
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    var winner = idx[0];
    if (winner == NONE || is_nan(x_u(off))) { winner = 0u; }
    out_setu(r, winner);
  }`,
};

/** Backend.argmaxRows: out (rows, i32) = each row's lowest index of its largest value. */
export function encodeArgmaxRows(rt: GpuRuntime, x: GpuTensor, rows: number, cols: number, out: GpuTensor): void {
  checkCount("argmaxRows", "rows", rows);
  checkCount("argmaxRows", "cols", cols);
  if (rows > 0 && cols < 1) throw new RangeError("argmaxRows: cols must be ≥ 1 (an empty row has no largest value)");
  if (x.length < rows * cols) throw new RangeError(`argmaxRows: x has ${x.length} elements, needs ${rows * cols}`);
  if (out.length < rows) throw new RangeError(`argmaxRows: out has ${out.length} elements, needs ${rows}`);
  rt.dispatch(ARGMAX_ROWS, { x, out }, { rows, cols }, grid2d(rows));
}
