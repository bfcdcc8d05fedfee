import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor, shapeSize } from "../tensor.js";
import { floats } from "../alloc.js";

/** Same data, new shape (one dimension may be -1). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const resolved = shape.map((d) => (d === -1 ? a.size / known : d));
  if (shapeSize(resolved) !== a.size) {
    throw new Error(`reshape: cannot view [${a.shape.join(", ")}] as [${shape.join(", ")}]`);
  }
  // o's grad is o's alone (owned buffers are never shared, others are copied), and o is done with it once
  // this runs (backward() drops it right after): a may take it over
  return record(a.buf, resolved, [a], (o) => a.accumulateGrad(o.gradRaw!, { owned: true }));
}

/**
 * The slice start..start+length-1 along `dim`: a view of the same data when the slice is one contiguous block,
 * a copy otherwise. Used for the rows of in_proj_weight (Q, K, V) and the first rows of a position table.
 */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  const shape = [...a.shape];
  if (start < 0 || start + length > shape[dim]) {
    throw new Error(`narrow: ${start}..${start + length} is outside dimension ${dim} of size ${shape[dim]}`);
  }
  const outer = shape.slice(0, dim).reduce((p, d) => p * d, 1);
  const inner = shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  const full = shape[dim] * inner;
  const part = length * inner;
  shape[dim] = length;
  // one contiguous block (slicing the first dimension, e.g. W_Q/W_K/W_V of in_proj_weight): a view, no copy
  const out = outer === 1
    ? a.buf.subarray(start * inner, start * inner + part)
    : floats(outer * part);
  if (outer !== 1) {
    backend().copyStrided({ src: a.buf, srcOffset: start * inner, dst: out, dstOffset: 0, sizes: [outer, part], srcStrides: [full, 1], dstStrides: [part, 1] });
  }
  return record(out, shape, [a], (t) => {
    const g = t.gradRaw!;
    const ga = a.gradBuf();
    for (let o = 0; o < outer; o++) {
      const dst = ga.subarray(o * full + start * inner, o * full + start * inner + part);
      backend().add(dst, g.subarray(o * part, (o + 1) * part), dst, part);
    }
  });
}

/** Joins tensors along `dim`; all other dimensions must agree. */
export function concat(parts: readonly Tensor[], dim: number): Tensor {
  const first = parts[0].shape;
  for (const p of parts) {
    if (p.ndim !== first.length || p.shape.some((d, i) => i !== dim && d !== first[i])) {
      throw new Error(`concat: shapes [${first.join(", ")}] and [${p.shape.join(", ")}] differ outside dim ${dim}`);
    }
  }
  const outer = first.slice(0, dim).reduce((p, d) => p * d, 1);
  const inner = first.slice(dim + 1).reduce((p, d) => p * d, 1);
  const total = parts.reduce((s, p) => s + p.shape[dim], 0);
  const shape = [...first];
  shape[dim] = total;
  const out = floats(outer * total * inner);
  let at = 0;
  const starts: number[] = [];
  const be = backend();
  for (const p of parts) {
    starts.push(at);
    const chunk = p.shape[dim] * inner;
    be.copyStrided({ src: p.buf, srcOffset: 0, dst: out, dstOffset: at * inner, sizes: [outer, chunk], srcStrides: [chunk, 1], dstStrides: [total * inner, 1] });
    at += p.shape[dim];
  }
  return record(out, shape, parts, (t) => {
    const g = t.gradRaw!;
    parts.forEach((p, k) => {
      if (!p.requiresGrad) return;
      const chunk = p.shape[dim] * inner;
      const gp = new Float32Array(p.size); // this part's slice of g, then accumulated
      be.copyStrided({ src: g, srcOffset: starts[k] * inner, dst: gp, dstOffset: 0, sizes: [outer, chunk], srcStrides: [total * inner, 1], dstStrides: [chunk, 1] });
      p.accumulateGrad(gp, { owned: true });
    });
  });
}

/** Swaps two dimensions (a copy). */
export function transpose(a: Tensor, d1: number, d2: number): Tensor {
  const nd = a.ndim;
  const perm = [...Array(nd).keys()];
  perm[d1] = d2;
  perm[d2] = d1;
  const shape = perm.map((p) => a.shape[p]);
  const inStrides = strides(a.shape);
  const n = a.size;
  const src = new Int32Array(n); // out flat index → input flat index
  const counter = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < nd; d++) off += counter[d] * inStrides[perm[d]];
    src[i] = off;
    for (let d = nd - 1; d >= 0; d--) {
      if (++counter[d] < shape[d]) break;
      counter[d] = 0;
    }
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a.data[src[i]];
  return record(out, shape, [a], (t) => {
    const g = t.grad!;
    const ga = a.gradBuffer();
    for (let i = 0; i < n; i++) ga[src[i]] += g[i];
  });
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
