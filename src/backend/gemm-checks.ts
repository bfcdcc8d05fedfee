import type { ResolvedGemm } from "./backend.js";

/**
 * Argument checks shared by the fast GEMMs (wasm, native), which read memory by offsets and strides and must
 * refuse a call that would read or write outside its arrays. Each failure is a RangeError prefixed `gemm (label)`.
 */
function checker(label: string): (ok: boolean, what: string) => void {
  return (ok, what) => {
    if (!ok) throw new RangeError(`gemm (${label}): ${what}`);
  };
}

/** [lo, hi): the elements a batched operand of rows × cols (row stride ld) touches. */
export function footprint(offset: number, stride: number, batch: number, rows: number, cols: number, ld: number): [number, number] {
  if (rows === 0 || cols === 0 || batch === 0) return [offset, offset];
  const extent = (rows - 1) * ld + cols;
  const last = (batch - 1) * stride;
  return [offset + Math.min(0, last), offset + Math.max(0, last) + extent];
}

/** Sizes, offsets and strides are integers (non-negative where they must be); leading dimensions cover a row. */
export function checkGemmShape(g: ResolvedGemm, label: string): void {
  const check = checker(label);
  for (const key of ["m", "n", "k", "batch", "lda", "ldb", "ldc", "aOffset", "bOffset", "cOffset"] as const) {
    check(Number.isInteger(g[key]) && g[key] >= 0, `${key} = ${g[key]} must be a non-negative integer`);
  }
  for (const key of ["strideA", "strideB", "strideC"] as const) {
    check(Number.isInteger(g[key]), `${key} = ${g[key]} must be an integer`);
  }
  check(g.lda >= (g.transA ? g.m : g.k), `lda = ${g.lda} is below ${g.transA ? "m" : "k"}`);
  check(g.ldb >= (g.transB ? g.k : g.n), `ldb = ${g.ldb} is below ${g.transB ? "k" : "n"}`);
  check(g.ldc >= g.n, `ldc = ${g.ldc} is below n = ${g.n}`);
}

/** Every element A, B and C touch lies inside its array; returns those [lo, hi) ranges. */
export function checkGemmBounds(g: ResolvedGemm, label: string): { a: [number, number]; b: [number, number]; c: [number, number] } {
  const check = checker(label);
  const { m, n, k, batch } = g;
  const [aLo, aHi] = k === 0 ? [0, 0] : footprint(g.aOffset, g.strideA, batch, g.transA ? k : m, g.transA ? m : k, g.lda);
  const [bLo, bHi] = k === 0 ? [0, 0] : footprint(g.bOffset, g.strideB, batch, g.transB ? n : k, g.transB ? k : n, g.ldb);
  const [cLo, cHi] = footprint(g.cOffset, g.strideC, batch, m, n, g.ldc);
  check(aLo >= 0 && aHi <= g.a.length, `A needs elements ${aLo}..${aHi - 1} but has ${g.a.length}`);
  check(bLo >= 0 && bHi <= g.b.length, `B needs elements ${bLo}..${bHi - 1} but has ${g.b.length}`);
  check(cLo >= 0 && cHi <= g.c.length, `C needs elements ${cLo}..${cHi - 1} but has ${g.c.length}`);
  return { a: [aLo, aHi], b: [bLo, bHi], c: [cLo, cHi] };
}
