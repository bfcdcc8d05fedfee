import { resolveGemm, type GemmArgs } from "../../backend.js";
import type { KernelSpec } from "../codegen.js";
import type { GpuRuntime, GpuTensor } from "../runtime.js";

/**
 * GEMM, C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], tiled as the WebGPU matmuls of tfjs and onnxruntime-web are:
 * a 16×16 workgroup computes a 64×64 tile of C, each thread a 4×4 block; A's 64×16 and B's 16×64 panels are staged
 * in workgroup memory as vec4s along m and n, so the inner step is four vec4 multiply-adds per k. Panels load
 * 16 bytes at a time along the stored rows (k for A, n for B, or the other way round when transposed) when every
 * such row starts at a multiple of 4 elements; each variant of (transA, transB, vec4 A, vec4 B) is its own
 * pipeline. Each C element sums its k products in order, so results are the same run to run. beta = 0 never
 * reads C (NaN there stays out), as BLAS.
 */

const TILE = 64;

function gemmSpec(transA: boolean, transB: boolean, vecA: boolean, vecB: boolean): KernelSpec {
  // the panel loads: 256 threads move 1024 elements of each panel, 4 consecutive stored elements apiece
  const loadA = transA
    // A stored k×m: thread takes k-row li/16, m-columns (li%16)·4.. — already the panel's layout
    ? `{ let kk = li / 16u; let mq = (li % 16u) * 4u;
         As[kk * 16u + mq / 4u] = ldA(k0 + kk, row0 + mq, false); }`
    // A stored m×k: thread takes m-row li/4, k-columns (li%4)·4.., scattered into the k-major panel
    : `{ let mr = li / 4u; let kq = (li % 4u) * 4u;
         let a = ldA(row0 + mr, k0 + kq, true);
         for (var e = 0u; e < 4u; e++) { As[(kq + e) * 16u + mr / 4u][mr % 4u] = a[e]; } }`;
  const loadB = transB
    ? `{ let nr = li / 4u; let kq = (li % 4u) * 4u;
         let b = ldB(col0 + nr, k0 + kq, true);
         for (var e = 0u; e < 4u; e++) { Bs[(kq + e) * 16u + nr / 4u][nr % 4u] = b[e]; } }`
    : `{ let kk = li / 16u; let nq = (li % 16u) * 4u;
         Bs[kk * 16u + nq / 4u] = ldB(k0 + kk, col0 + nq, false); }`;
  // ldX(r, c, alongK): 4 stored elements of row r from column c of the stored matrix (rows×ld), zero outside
  // the logical bounds; "alongK" says whether the stored row runs along k (bounds K) or along m/n
  const loader = (x: "a" | "b", vec: boolean, rows: string, cols: string) => /* wgsl */ `
fn ld${x.toUpperCase()}(r: u32, c: u32, alongK: bool) -> vec4<f32> {
  let base = base_${x} + r * P.ld${x};
  if (r >= ${rows} || c >= ${cols}) { return vec4<f32>(0.0); }
  if (${vec ? "true" : "false"} && c + 3u < ${cols}) { return ${x}_f4(base + c); }
  var out = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) { if (c + e < ${cols}) { out[e] = ${x}_f(base + c + e); } }
  return out;
}`;
  // stored A is m×k (rows bound M, columns K) or k×m; stored B is k×n or n×k
  const aRows = transA ? "P.K" : "P.M", aCols = transA ? "P.M" : "P.K";
  const bRows = transB ? "P.N" : "P.K", bCols = transB ? "P.K" : "P.N";
  return {
    name: `gemm${transA ? "T" : "N"}${transB ? "T" : "N"}${vecA ? "4" : "1"}${vecB ? "4" : "1"}`,
    buffers: [{ name: "a" }, { name: "b" }, { name: "c", write: true }],
    params: [["M", "u32"], ["N", "u32"], ["K", "u32"], ["lda", "u32"], ["ldb", "u32"], ["ldc", "u32"],
      ["aOff", "u32"], ["bOff", "u32"], ["cOff", "u32"], ["sA", "u32"], ["sB", "u32"], ["sC", "u32"],
      ["alpha", "f32"], ["beta", "f32"]],
    workgroupSize: [16, 16],
    decls: /* wgsl */ `
var<workgroup> As: array<vec4<f32>, 256>; // [k 0..15][m 0..63 as 16 vec4]
var<workgroup> Bs: array<vec4<f32>, 256>; // [k 0..15][n 0..63 as 16 vec4]
var<private> base_a: u32;
var<private> base_b: u32;
${loader("a", vecA, aRows, aCols)}
${loader("b", vecB, bRows, bCols)}`,
    main: /* wgsl */ `
  let batch = wid.z;
  base_a = P.aOff + batch * P.sA;
  base_b = P.bOff + batch * P.sB;
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  let tx = li % 16u;
  let ty = li / 16u;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < P.K; k0 += 16u) {
    ${loadA}
    ${loadB}
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let av = As[kk * 16u + ty];
      let bv = Bs[kk * 16u + tx];
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  let cBase = P.cOff + batch * P.sC;
  for (var r = 0u; r < 4u; r++) {
    let i = row0 + ty * 4u + r;
    if (i >= P.M) { break; }
    for (var e = 0u; e < 4u; e++) {
      let j = col0 + tx * 4u + e;
      if (j >= P.N) { break; }
      let at = cBase + i * P.ldc + j;
      var v = P.alpha * acc[r][e];
      if (P.beta != 0.0) { v += P.beta * c_f(at); }
      c_setf(at, v);
    }
  }`,
  };
}

const specs = new Map<string, KernelSpec>();

function spec(transA: boolean, transB: boolean, vecA: boolean, vecB: boolean): KernelSpec {
  const key = `${+transA}${+transB}${+vecA}${+vecB}`;
  let s = specs.get(key);
  if (!s) specs.set(key, (s = gemmSpec(transA, transB, vecA, vecB)));
  return s;
}

/** GemmArgs with GPU tensors for a, b and c (offsets, strides and leading dimensions in elements of each). */
export type GpuGemmArgs = Omit<GemmArgs, "a" | "b" | "c"> & { a: GpuTensor; b: GpuTensor; c: GpuTensor };

export function encodeGemm(rt: GpuRuntime, args: GpuGemmArgs): void {
  const empty = new Float32Array(0);
  const g = resolveGemm({ ...args, a: empty, b: empty, c: empty });
  const { m, n, k, batch } = g;
  if (m === 0 || n === 0 || batch === 0) return;
  if (batch > 65535) throw new RangeError(`webgpu gemm: batch ${batch} is over 65535`);
  const aligned = (t: GpuTensor, off: number, ld: number, stride: number) =>
    (t.offset + off) % 4 === 0 && ld % 4 === 0 && (batch === 1 || stride % 4 === 0);
  const vecA = aligned(args.a, g.aOffset, g.lda, g.strideA);
  const vecB = aligned(args.b, g.bOffset, g.ldb, g.strideB);
  const vec4 = [...(vecA ? ["a"] : []), ...(vecB ? ["b"] : [])];
  rt.dispatch(spec(g.transA, g.transB, vecA, vecB), { a: args.a, b: args.b, c: args.c }, {
    M: m, N: n, K: k, lda: g.lda, ldb: g.ldb, ldc: g.ldc, aOff: g.aOffset, bOff: g.bOffset, cOff: g.cOffset,
    sA: g.strideA, sB: g.strideB, sC: g.strideC, alpha: g.alpha, beta: g.beta,
  }, [Math.ceil(n / TILE), Math.ceil(m / TILE), batch], vec4);
}
