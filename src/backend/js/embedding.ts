export function embedding(table: Float32Array, ids: Int32Array, dim: number, out: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const src = ids[i] * dim;
    out.set(table.subarray(src, src + dim), i * dim);
  }
}

export function embeddingBackward(dOut: Float32Array, ids: Int32Array, dim: number, dTable: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const dst = ids[i] * dim;
    const src = i * dim;
    for (let j = 0; j < dim; j++) dTable[dst + j] += dOut[src + j];
  }
}
