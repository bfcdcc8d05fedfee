/** out[j] += Σ_r x[r, j], rows in order; each column sum in float64, added to out[j] and rounded once. */
export function addColumnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let j = 0; j < cols; j++) acc[j] += x[off + j];
  }
  for (let j = 0; j < cols; j++) out[j] += acc[j];
}
