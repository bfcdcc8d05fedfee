import type { CopyStridedArgs } from "../../backend.js";
import { checkCopyDisjoint, copyStridedSpans } from "../../kernel-args.js";
import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";

/**
 * copyStrided (narrow, concat, transpose, KV-cache append): one thread per `w` elements of the copy, its
 * 4-D index taken apart from the flat one, the sizes padded with leading 1s. Bits are moved as u32 words. When
 * both last strides are 1 and every start lands on a multiple of 4 (sizes[last], the other strides and the
 * offsets all multiples of 4), w = 4 and each thread moves four words at once — 16-byte loads and stores where
 * the tensors' own offsets allow vec4 bindings.
 */
export const COPY_STRIDED: KernelSpec = {
  name: "copyStrided",
  buffers: [{ name: "src" }, { name: "dst", write: true }],
  params: [["n", "u32"], ["w", "u32"], ["n1", "u32"], ["n2", "u32"], ["n3", "u32"],
    ["s0", "u32"], ["s1", "u32"], ["s2", "u32"], ["s3", "u32"], ["d0", "u32"], ["d1", "u32"], ["d2", "u32"], ["d3", "u32"],
    ["srcAt", "u32"], ["dstAt", "u32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  let e = wg * 256u + li;
  if (e >= P.n) { return; }
  // n3 counts groups of w along the last dimension
  let i3 = e % P.n3;
  let r2 = e / P.n3;
  let i2 = r2 % P.n2;
  let r1 = r2 / P.n2;
  let i1 = r1 % P.n1;
  let i0 = r1 / P.n1;
  let s = P.srcAt + i0 * P.s0 + i1 * P.s1 + i2 * P.s2 + i3 * P.w * P.s3;
  let d = P.dstAt + i0 * P.d0 + i1 * P.d1 + i2 * P.d2 + i3 * P.w * P.d3;
  if (P.w == 4u) { dst_setu4(d, src_u4(s)); } else { dst_setu(d, src_u(s)); }`,
};

export interface GpuCopyStridedArgs extends Omit<CopyStridedArgs, "src" | "dst"> {
  src: GpuTensor;
  dst: GpuTensor;
}

/** Backend.copyStrided on GPU tensors, with the reference's checks (the offsets count from each tensor's start). */
export function encodeCopyStrided(rt: GpuRuntime, a: GpuCopyStridedArgs): void {
  const spans = copyStridedSpans(a, a.src.length, a.dst.length);
  if (spans === null) return;
  if (a.src.buffer === a.dst.buffer) checkCopyDisjoint(spans, a.src.offset, a.dst.offset);
  const pad = 4 - a.sizes.length;
  const at = (xs: readonly number[], k: number, none: number): number => (k < pad ? none : xs[k - pad]);
  const n = [0, 1, 2, 3].map((k) => at(a.sizes, k, 1));
  const s = [0, 1, 2, 3].map((k) => at(a.srcStrides, k, 0));
  const d = [0, 1, 2, 3].map((k) => at(a.dstStrides, k, 0));
  const four = (x: number): boolean => x % 4 === 0;
  const w = s[3] === 1 && d[3] === 1 && four(n[3]) && [s[0], s[1], s[2], d[0], d[1], d[2], a.srcOffset, a.dstOffset].every(four) ? 4 : 1;
  const count = (n[0] * n[1] * n[2] * n[3]) / w;
  if (count > 0xffffffff) throw new RangeError(`copyStrided (webgpu): ${count} threads are too many for one dispatch`);
  rt.dispatch(COPY_STRIDED, { src: a.src, dst: a.dst }, {
    n: count, w, n1: n[1], n2: n[2], n3: n[3] / w, s0: s[0], s1: s[1], s2: s[2], s3: s[3], d0: d[0], d1: d[1], d2: d[2], d3: d[3],
    srcAt: a.srcOffset, dstAt: a.dstOffset,
  }, grid2d(Math.ceil(count / 256)), w === 4 ? ["src", "dst"] : []);
}
