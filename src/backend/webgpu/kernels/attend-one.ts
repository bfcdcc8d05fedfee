import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { REDUCE, ROW_THREADS } from "./reduce.js";

/**
 * attendOne: one workgroup per (sentence, head). Threads take keys in turn for the scores (a dK-long dot each),
 * the masked softmax goes through the weights tensor, then threads take output columns, each summing over the
 * keys in order. keyPad is a packed byte mask (dropout.ts's layout).
 */
export const ATTEND_ONE: KernelSpec = {
  name: "attendOne",
  buffers: [{ name: "q" }, { name: "k" }, { name: "v" }, { name: "pad" }, { name: "out", write: true }, { name: "weights", write: true }],
  params: [["batch", "u32"], ["heads", "u32"], ["dK", "u32"], ["keys", "u32"], ["limit", "u32"], ["hasPad", "u32"], ["scale", "f32"],
    ["qOffset", "u32"], ["qStride", "u32"], ["kOffset", "u32"], ["kStride", "u32"], ["kLd", "u32"],
    ["vOffset", "u32"], ["vStride", "u32"], ["vLd", "u32"]],
  workgroupSize: [ROW_THREADS],
  decls: REDUCE + /* wgsl */ `
fn open(b: u32, s: u32) -> bool {
  if (s >= P.limit) { return false; }
  if (P.hasPad != 0u) {
    let k = b * P.keys + s;
    if (((pad_u(k >> 2u) >> (8u * (k & 3u))) & 0xffu) != 0u) { return false; }
  }
  return true;
}`,
  main: /* wgsl */ `
  let bh = wg;
  if (bh >= P.batch * P.heads) { return; }
  let b = bh / P.heads;
  let h = bh % P.heads;
  let w = bh * P.keys;
  let qAt = P.qOffset + b * P.qStride + h * P.dK;
  var m = -3.402823e38;
  var any = false;
  for (var s = li; s < P.keys; s += T) {
    var x = 0.0;
    if (open(b, s)) {
      let kAt = P.kOffset + b * P.kStride + s * P.kLd + h * P.dK;
      var dot = 0.0;
      for (var j = 0u; j < P.dK; j++) { dot += q_f(qAt + j) * k_f(kAt + j); }
      x = P.scale * dot;
      m = max(m, x);
      any = true;
    }
    weights_setf(w + s, x);
  }
  m = reduce_max(li, m);
  let anyRow = reduce_sum(li, select(0.0, 1.0, any)) > 0.0;
  var sum = 0.0;
  for (var s = li; s < P.keys; s += T) {
    let e = select(0.0, exp(weights_f(w + s) - m), anyRow && open(b, s));
    weights_setf(w + s, e);
    sum += e;
  }
  sum = reduce_sum(li, sum);
  let inv = select(0.0, 1.0 / sum, sum > 0.0);
  for (var s = li; s < P.keys; s += T) { weights_setf(w + s, weights_f(w + s) * inv); }
  storageBarrier();
  workgroupBarrier();
  let o = bh * P.dK;
  for (var j = li; j < P.dK; j += T) {
    var acc = 0.0;
    for (var s = 0u; s < P.limit; s++) {
      acc += weights_f(w + s) * v_f(P.vOffset + b * P.vStride + s * P.vLd + h * P.dK + j);
    }
    out_setf(o + j, acc);
  }`,
};

export interface GpuAttendOneArgs {
  batch: number; heads: number; dK: number; keys: number; limit: number;
  q: GpuTensor; qOffset: number; qStride: number;
  k: GpuTensor; kOffset: number; kStride: number; kLd: number;
  v: GpuTensor; vOffset: number; vStride: number; vLd: number;
  keyPad: GpuTensor | null; scale: number; out: GpuTensor; weights: GpuTensor;
}

export function encodeAttendOne(rt: GpuRuntime, a: GpuAttendOneArgs): void {
  const { q, k, v, out, weights } = a;
  rt.dispatch(ATTEND_ONE, { q, k, v, pad: a.keyPad ?? q, out, weights }, {
    batch: a.batch, heads: a.heads, dK: a.dK, keys: a.keys, limit: a.limit, hasPad: a.keyPad ? 1 : 0, scale: a.scale,
    qOffset: a.qOffset, qStride: a.qStride, kOffset: a.kOffset, kStride: a.kStride, kLd: a.kLd,
    vOffset: a.vOffset, vStride: a.vStride, vLd: a.vLd,
  }, grid2d(a.batch * a.heads));
}
