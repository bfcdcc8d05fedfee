import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";

/**
 * embedding (a copy of bits) and embeddingBackward. The backward must add repeated ids' rows in index order, as
 * the reference does, and without float atomics: a first pass links each position to the next one with the same
 * id and marks the first of each id; then one thread per (first position, column) walks its chain adding in order.
 * The linking pass compares ids pairwise, O(n²) integer compares for n ids (16M for 4096 tokens); the additions
 * are O(n·dim) and the result is exactly the reference's, bit for bit.
 */

export const EMBEDDING: KernelSpec = {
  name: "embedding",
  buffers: [{ name: "table" }, { name: "ids" }, { name: "out", write: true }],
  params: [["n", "u32"], ["dim", "u32"], ["vocab", "u32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  let e = wg * 256u + li;
  if (e >= P.n * P.dim) { return; }
  let i = e / P.dim;
  let id = ids_i(i);
  var bits = 0x7fc00000u; // NaN for an id outside the table (the host-side callers refuse those first)
  if (id >= 0 && u32(id) < P.vocab) { bits = table_u(u32(id) * P.dim + e % P.dim); }
  out_setu(e, bits);`,
};

const NONE = "0xffffffffu";

export const EMBEDDING_LINKS: KernelSpec = {
  name: "embeddingLinks",
  buffers: [{ name: "ids" }, { name: "links", write: true }],
  params: [["n", "u32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  let i = wg * 256u + li;
  if (i >= P.n) { return; }
  let id = ids_i(i);
  var next = ${NONE};
  for (var k = i + 1u; k < P.n; k++) { if (ids_i(k) == id) { next = k; break; } }
  var first = 1u;
  for (var k = 0u; k < i; k++) { if (ids_i(k) == id) { first = 0u; break; } }
  links_setu(i, next);
  links_setu(P.n + i, first);`,
};

export const EMBEDDING_BACKWARD: KernelSpec = {
  name: "embeddingBackward",
  buffers: [{ name: "dOut" }, { name: "ids" }, { name: "links" }, { name: "dTable", write: true }],
  params: [["n", "u32"], ["dim", "u32"], ["vocab", "u32"]],
  workgroupSize: [256],
  main: /* wgsl */ `
  let e = wg * 256u + li;
  if (e >= P.n * P.dim) { return; }
  let i = e / P.dim;
  let j = e % P.dim;
  if (links_u(P.n + i) == 0u) { return; }
  let id = ids_i(i);
  if (id < 0 || u32(id) >= P.vocab) { return; }
  let at = u32(id) * P.dim + j;
  var acc = dTable_f(at);
  var k = i;
  loop {
    acc += dOut_f(k * P.dim + j);
    k = links_u(k);
    if (k == ${NONE}) { break; }
  }
  dTable_setf(at, acc);`,
};

/** out[i, :] = table[ids[i], :] for the n ids; table holds `vocab` rows of dim. */
export function encodeEmbedding(rt: GpuRuntime, table: GpuTensor, ids: GpuTensor, n: number, dim: number, out: GpuTensor): void {
  const vocab = Math.floor(table.length / Math.max(dim, 1));
  rt.dispatch(EMBEDDING, { table, ids, out }, { n, dim, vocab }, grid2d(Math.ceil((n * dim) / 256)));
}

/** dTable[ids[i], :] += dOut[i, :], repeated ids in index order. */
export function encodeEmbeddingBackward(rt: GpuRuntime, dOut: GpuTensor, ids: GpuTensor, n: number, dim: number, dTable: GpuTensor): void {
  if (n === 0) return;
  const vocab = Math.floor(dTable.length / Math.max(dim, 1));
  const links = rt.scratch(2 * n);
  rt.dispatch(EMBEDDING_LINKS, { ids, links }, { n }, grid2d(Math.ceil(n / 256)));
  rt.dispatch(EMBEDDING_BACKWARD, { dOut, ids, links, dTable }, { n, dim, vocab }, grid2d(Math.ceil((n * dim) / 256)));
}
