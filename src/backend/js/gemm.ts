import { resolveGemm, type GemmArgs } from "../backend.js";

/**
 * Reference GEMM: the oracle for the fast backends, written to be read, not to be fast. The inner loop runs
 * along a contiguous row of B where it can, which makes it a few times faster than the textbook i-j-k order.
 */
export function gemm(args: GemmArgs): void {
  const g = resolveGemm(args);
  const { m, n, k, a, b, c, lda, ldb, ldc, alpha, beta, transA, transB } = g;
  const row = new Float64Array(n);
  for (let bi = 0; bi < g.batch; bi++) {
    const a0 = g.aOffset + bi * g.strideA;
    const b0 = g.bOffset + bi * g.strideB;
    const c0 = g.cOffset + bi * g.strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[a0 + p * lda + i] : a[a0 + i * lda + p];
        if (aip === 0) continue;
        if (transB) {
          for (let j = 0; j < n; j++) row[j] += aip * b[b0 + j * ldb + p];
        } else {
          const bp = b0 + p * ldb;
          for (let j = 0; j < n; j++) row[j] += aip * b[bp + j];
        }
      }
      const ci = c0 + i * ldc;
      if (beta === 0) {
        for (let j = 0; j < n; j++) c[ci + j] = alpha * row[j];
      } else {
        for (let j = 0; j < n; j++) c[ci + j] = alpha * row[j] + beta * c[ci + j];
      }
    }
  }
}
