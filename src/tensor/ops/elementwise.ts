import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

/** numpy/PyTorch broadcasting of two shapes (trailing dimensions aligned). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`cannot broadcast shapes [${a.join(", ")}] and [${b.join(", ")}]`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each element of `outShape`, the flat index into a tensor of `shape` broadcast to it. */
function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = outShape.reduce((p, d) => p * d, 1);
  const idx = new Int32Array(n);
  const nd = outShape.length;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const od = nd - shape.length + i;
    strides[od] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  const counter = new Array<number>(nd).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = flat;
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]++;
      flat += strides[d];
      if (counter[d] < outShape[d]) break;
      flat -= strides[d] * counter[d];
      counter[d] = 0;
    }
  }
  return idx;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

type Binary = (x: number, y: number) => number;

/**
 * out = f(a, b) with broadcasting; the backward takes ∂f/∂a and ∂f/∂b as functions of (x, y, out-grad) and
 * sums over broadcast dimensions.
 */
function binary(a: Tensor, b: Tensor, f: Binary, dfa: (x: number, y: number, g: number) => number,
  dfb: (x: number, y: number, g: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = shape.reduce((p, d) => p * d, 1);
  const out = floats(n);
  const same = sameShape(a.shape, shape) && sameShape(b.shape, shape);
  const ia = same ? null : broadcastIndex(a.shape, shape);
  const ib = same ? null : broadcastIndex(b.shape, shape);
  const ad = a.data;
  const bd = b.data;
  if (same) for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  else for (let i = 0; i < n; i++) out[i] = f(ad[ia![i]], bd[ib![i]]);
  return record(out, shape, [a, b], (o) => {
    const g = o.grad!;
    if (a.requiresGrad) {
      const ga = a.gradBuffer();
      for (let i = 0; i < n; i++) {
        const x = ad[ia ? ia[i] : i];
        const y = bd[ib ? ib[i] : i];
        ga[ia ? ia[i] : i] += dfa(x, y, g[i]);
      }
    }
    if (b.requiresGrad) {
      const gb = b.gradBuffer();
      for (let i = 0; i < n; i++) {
        const x = ad[ia ? ia[i] : i];
        const y = bd[ib ? ib[i] : i];
        gb[ib ? ib[i] : i] += dfb(x, y, g[i]);
      }
    }
  });
}

export function add(a: Tensor, b: Tensor): Tensor {
  if (sameShape(a.shape, b.shape)) {
    // the residual connections: no broadcasting, and the gradient passes through to both unchanged
    const n = a.size;
    const out = floats(n);
    backend().add(a.buf, b.buf, out, n);
    return record(out, a.shape, [a, b], (o) => {
      const g = o.gradRaw!;
      // not owned: g is o's and reaches both inputs (accumulateGrad copies it into a fresh buffer, or adds)
      if (a.requiresGrad) a.accumulateGrad(g);
      if (b.requiresGrad) b.accumulateGrad(g);
    });
  }
  if (isTrailingTile(b.shape, a.shape)) return addTiled(a, b);
  return binary(a, b, (x, y) => x + y, (_x, _y, g) => g, (_x, _y, g) => g);
}

/** Whether `small` broadcast to `big` is small's data repeated: leading 1s (or missing dims), then big's own. */
function isTrailingTile(small: readonly number[], big: readonly number[]): boolean {
  if (small.length > big.length) return false;
  const off = big.length - small.length;
  let i = 0;
  while (i < small.length && small[i] === 1) i++;
  for (let j = i; j < small.length; j++) if (small[j] !== big[off + j]) return false;
  return true;
}

/**
 * a + b where b's values repeat along a's leading dimensions (positions (1, T, d) added to embeddings (B, T, d)):
 * no index tables, and b's gradient is the sum of g's tiles.
 */
function addTiled(a: Tensor, b: Tensor): Tensor {
  const n = a.size;
  const m = b.size;
  const out = floats(n);
  backend().addTiled(a.buf, b.buf, out, n, m);
  return record(out, a.shape, [a, b], (t) => {
    const g = t.gradRaw!;
    if (a.requiresGrad) a.accumulateGrad(g);
    if (b.requiresGrad && m > 0) backend().addColumnSums(g, n / m, m, b.gradBuf()); // b's gradient: the sum of g's tiles
  });
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, (x, y) => x - y, (_x, _y, g) => g, (_x, _y, g) => -g);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, (x, y) => x * y, (_x, y, g) => g * y, (x, _y, g) => g * x);
}

export function div(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, (x, y) => x / y, (_x, y, g) => g / y, (x, y, g) => (-g * x) / (y * y));
}

/** out = s · a for a number s. */
export function scale(a: Tensor, s: number): Tensor {
  const out = floats(a.size);
  backend().scale(a.buf, s, out, a.size);
  return record(out, a.shape, [a], (o) => {
    const ga = new Float32Array(a.size);
    backend().scale(o.gradRaw!, s, ga, a.size);
    a.accumulateGrad(ga, { owned: true });
  });
}
