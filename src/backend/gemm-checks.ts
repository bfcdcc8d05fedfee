import type { ResolvedGemm } from "./backend.js";

/**
 * Argument checks shared by the fast GEMMs (wasm, native), which read memory by offsets and strides and must
 * refuse a call that would read or write outside its arrays. Each failure is a RangeError prefixed `gemm (label)`.
 * Also how C's batches lie (cLayout), which decides whether they may run on different threads.
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

const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;

/**
 * Sizes, offsets and strides are integers (non-negative where they must be); leading dimensions cover a row.
 * Runs on every GEMM call (dozens per decoded token), so the passing path builds no strings and no closures.
 */
export function checkGemmShape(g: ResolvedGemm, label: string): void {
  const ok = isCount(g.m) && isCount(g.n) && isCount(g.k) && isCount(g.batch) && isCount(g.lda) && isCount(g.ldb) &&
    isCount(g.ldc) && isCount(g.aOffset) && isCount(g.bOffset) && isCount(g.cOffset) &&
    Number.isInteger(g.strideA) && Number.isInteger(g.strideB) && Number.isInteger(g.strideC) &&
    g.lda >= (g.transA ? g.m : g.k) && g.ldb >= (g.transB ? g.k : g.n) && g.ldc >= g.n;
  if (ok) return;
  const check = checker(label);
  for (const key of ["m", "n", "k", "batch", "lda", "ldb", "ldc", "aOffset", "bOffset", "cOffset"] as const) {
    check(isCount(g[key]), `${key} = ${g[key]} must be a non-negative integer`);
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
  const { m, n, k, batch } = g;
  const [aLo, aHi] = k === 0 ? [0, 0] : footprint(g.aOffset, g.strideA, batch, g.transA ? k : m, g.transA ? m : k, g.lda);
  const [bLo, bHi] = k === 0 ? [0, 0] : footprint(g.bOffset, g.strideB, batch, g.transB ? n : k, g.transB ? k : n, g.ldb);
  const [cLo, cHi] = footprint(g.cOffset, g.strideC, batch, m, n, g.ldc);
  const fail = (what: string) => {
    throw new RangeError(`gemm (${label}): ${what}`);
  };
  if (!(aLo >= 0 && aHi <= g.a.length)) fail(`A needs elements ${aLo}..${aHi - 1} but has ${g.a.length}`);
  if (!(bLo >= 0 && bHi <= g.b.length)) fail(`B needs elements ${bLo}..${bHi - 1} but has ${g.b.length}`);
  if (!(cLo >= 0 && cHi <= g.c.length)) fail(`C needs elements ${cLo}..${cHi - 1} but has ${g.c.length}`);
  return { a: [aLo, aHi], b: [bLo, bHi], c: [cLo, cHi] };
}

/** How C's batches sit in memory: apart, one and the same (stride 0: products accumulate), or overlapping. */
export function cLayout(g: ResolvedGemm): "apart" | "same" | "overlap" {
  if (g.batch <= 1) return "apart";
  if (g.strideC === 0) return "same";
  const s = Math.abs(g.strideC);
  if (s >= (g.m - 1) * g.ldc + g.n) return "apart"; // one block after another
  if (s >= g.n && (g.batch - 1) * s + g.n <= g.ldc) return "apart"; // side by side within each row
  return "overlap";
}
