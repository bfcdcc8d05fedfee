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

/** Swaps two dimensions (a copy, by copyStrided; its backward swaps the gradient back). */
export function transpose(a: Tensor, d1: number, d2: number): Tensor {
  const nd = a.ndim;
  for (const dim of [d1, d2]) {
    if (!Number.isInteger(dim) || dim < 0 || dim >= nd) throw new Error(`transpose: dimension ${dim} is outside the ${nd} of [${a.shape.join(", ")}]`);
  }
  const perm = [...Array(nd).keys()];
  perm[d1] = d2;
  perm[d2] = d1;
  const shape = perm.map((p) => a.shape[p]);
  const out = floats(a.size);
  swapCopy(a.buf, a.shape, d1, d2, out);
  return record(out, shape, [a], (t) => {
    const ga = new Float32Array(a.size); // g (shape) swapped back to a's layout, then accumulated
    swapCopy(t.gradRaw!, shape, d1, d2, ga);
    a.accumulateGrad(ga, { owned: true });
  });
}

/**
 * dst = src (of `shape`, contiguous) with dimensions d1 and d2 swapped, contiguous. The dimensions fold into five
 * groups — before, the first swapped one, between, the second, after — of which only those above size 1 are kept:
 * one copyStrided of at most 4, or, when all five are needed, one per index of the first group.
 */
function swapCopy(src: Float32Array, shape: readonly number[], d1: number, d2: number, dst: Float32Array): void {
  if (dst.length === 0) return;
  if (d1 === d2) {
    backend().copyStrided({ src, srcOffset: 0, dst, dstOffset: 0, sizes: [dst.length], srcStrides: [1], dstStrides: [1] });
    return;
  }
  const lo = Math.min(d1, d2), hi = Math.max(d1, d2);
  let pre = 1, mid = 1, post = 1;
  for (let k = 0; k < lo; k++) pre *= shape[k];
  for (let k = lo + 1; k < hi; k++) mid *= shape[k];
  for (let k = hi + 1; k < shape.length; k++) post *= shape[k];
  const l = shape[lo], h = shape[hi];
  // src layout (pre, l, mid, h, post), dst layout (pre, h, mid, l, post): dst's order, each group's size and strides
  const groups = [
    [pre, l * mid * h * post, h * mid * l * post],
    [h, post, mid * l * post],
    [mid, h * post, l * post],
    [l, mid * h * post, post],
    [post, 1, 1],
  ].filter(([size]) => size > 1);
  if (groups.length === 0) groups.push([1, 1, 1]); // one element
  const first = groups.length > 4 ? groups.shift()! : [1, 0, 0]; // all five: one copy per index of the first
  const args = {
    src, srcOffset: 0, dst, dstOffset: 0,
    sizes: groups.map((g) => g[0]), srcStrides: groups.map((g) => g[1]), dstStrides: groups.map((g) => g[2]),
  };
  const be = backend();
  for (let i = 0; i < first[0]; i++) {
    args.srcOffset = i * first[1];
    args.dstOffset = i * first[2];
    be.copyStrided(args);
  }
}
