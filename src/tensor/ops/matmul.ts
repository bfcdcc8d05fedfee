import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";

/**
 * Where a GEMM should write t's gradient, and its beta: the existing grad buffer (beta 1: accumulate), or, while
 * t has none, a fresh one that becomes t's grad and is simply overwritten (beta 0: no zero-fill to read back).
 */
function gradTarget(t: Tensor): [Float32Array, number] {
  if (t.grad) return [t.grad, 1];
  t.grad = new Float32Array(t.size);
  return [t.grad, 0];
}

/**
 * y = x Wᵀ + b, as torch.nn.functional.linear: x (..., in), W (out, in), b (out) → (..., out).
 * All leading dimensions are folded into one GEMM of `rows` = product of them.
 *
 * With a bias and at least as many outputs as inputs (the vocabulary projection above all), the bias rides in
 * the GEMM as one more inner dimension: y = [x | 1] · [W | b]ᵀ, and in the backward [dW | db] = dyᵀ · [x | 1].
 * That costs a copy of x and of W instead of two scalar passes over y and dy, a win for big batches only.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const [outF, inF] = weight.shape;
  if (x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input has ${x.shape[x.ndim - 1]} features, weight [${weight.shape.join(", ")}] expects ${inF}`);
  }
  if (bias && bias.size !== outF) throw new Error(`linear: bias has ${bias.size} values, weight has ${outF} rows`);
  const rows = x.size / inF;
  const y = new Float32Array(rows * outF);
  // the fold copies W once per call (out × in), so it pays only when there are at least as many rows as inputs:
  // training batches, not the one-row steps of cached decoding
  const fold = bias !== null && outF >= inF && rows >= inF;
  // [x | 1] (rows, in + 1), kept for the backward's [dW | db]
  const xa = fold ? withColumn(x.data, rows, inF, null) : null;
  if (fold) {
    const wa = withColumn(weight.data, outF, inF, bias.data); // [W | b] (out, in + 1)
    backend().gemm({ m: rows, n: outF, k: inF + 1, a: xa!, b: wa, c: y, transB: true });
  } else {
    // the bias is copied into y's rows first and the GEMM adds onto it (beta 1): no second pass over y
    if (bias) for (let r = 0; r < rows; r++) y.set(bias.data, r * outF);
    backend().gemm({ m: rows, n: outF, k: inF, a: x.data, b: weight.data, c: y, transB: true, beta: bias ? 1 : 0 });
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(y, [...x.shape.slice(0, -1), outF], inputs, (o) => {
    const dy = o.grad!; // (rows, out)
    if (x.requiresGrad) {
      // dx (rows, in) += dy (rows, out) · W (out, in)
      const [gx, beta] = gradTarget(x);
      backend().gemm({ m: rows, n: inF, k: outF, a: dy, b: weight.data, c: gx, beta });
    }
    if (fold) {
      if (!weight.requiresGrad && !bias.requiresGrad) return;
      // [dW | db] (out, in + 1) = dyᵀ (out, rows) · [x | 1] (rows, in + 1)
      const dwa = new Float32Array(outF * (inF + 1));
      backend().gemm({ m: outF, n: inF + 1, k: rows, a: dy, b: xa!, c: dwa, transA: true });
      if (weight.requiresGrad) {
        const gw = weight.gradBuffer();
        for (let r = 0; r < outF; r++) {
          for (let j = 0; j < inF; j++) gw[r * inF + j] += dwa[r * (inF + 1) + j];
        }
      }
      if (bias.requiresGrad) {
        const gb = bias.gradBuffer();
        for (let r = 0; r < outF; r++) gb[r] += dwa[r * (inF + 1) + inF];
      }
      return;
    }
    if (weight.requiresGrad) {
      // dW (out, in) += dyᵀ (out, rows) · x (rows, in)
      const [gw, beta] = gradTarget(weight);
      backend().gemm({ m: outF, n: inF, k: rows, a: dy, b: x.data, c: gw, transA: true, beta });
    }
    if (bias && bias.requiresGrad) {
      const gb = bias.gradBuffer();
      for (let r = 0; r < rows; r++) {
        const off = r * outF;
        for (let j = 0; j < outF; j++) gb[j] += dy[off + j];
      }
    }
  });
}

/** [m | c] (rows, cols + 1): m (rows, cols) with column c appended (all ones when c is null). */
export function withColumn(m: Float32Array, rows: number, cols: number, c: Float32Array | null): Float32Array {
  const out = new Float32Array(rows * (cols + 1));
  for (let r = 0; r < rows; r++) {
    const src = r * cols;
    const dst = r * (cols + 1);
    for (let j = 0; j < cols; j++) out[dst + j] = m[src + j];
    out[dst + cols] = c ? c[r] : 1;
  }
  return out;
}

/**
 * Batched matrix product: a (..., m, k) · b (..., k, n) → (..., m, n), the same leading dimensions on both
 * (or b 2-D, shared by every batch). transB reads b as (..., n, k).
 */
export function matmul(a: Tensor, b: Tensor, opts: { transB?: boolean } = {}): Tensor {
  const transB = opts.transB ?? false;
  const m = a.shape[a.ndim - 2];
  const k = a.shape[a.ndim - 1];
  const bk = transB ? b.shape[b.ndim - 1] : b.shape[b.ndim - 2];
  const n = transB ? b.shape[b.ndim - 2] : b.shape[b.ndim - 1];
  const lead = a.shape.slice(0, -2);
  const batch = lead.reduce((p, d) => p * d, 1);
  const shared = b.ndim === 2;
  if (bk !== k || (!shared && (b.ndim !== a.ndim || b.shape.slice(0, -2).some((d, i) => d !== lead[i])))) {
    throw new Error(`matmul: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}]${transB ? "ᵀ" : ""} do not multiply`);
  }
  const strideB = shared ? 0 : k * n;
  const out = new Float32Array(batch * m * n);
  backend().gemm({ m, n, k, a: a.data, b: b.data, c: out, transB, batch, strideB });
  return record(out, [...lead, m, n], [a, b], (o) => {
    const dy = o.grad!;
    if (a.requiresGrad) {
      // da (m, k) += dy (m, n) · op(b)ᵀ
      const [ga, beta] = gradTarget(a);
      backend().gemm({ m, n: k, k: n, a: dy, b: b.data, c: ga, transB: !transB, batch, strideB, beta });
    }
    if (b.requiresGrad) {
      const gb = b.gradBuffer();
      if (transB) {
        // db (n, k) += dyᵀ (n, m) · a (m, k)
        if (shared) for (let i = 0; i < batch; i++) backend().gemm({ m: n, n: k, k: m, a: dy, b: a.data, c: gb, transA: true, aOffset: i * m * n, bOffset: i * m * k, beta: 1 });
        else backend().gemm({ m: n, n: k, k: m, a: dy, b: a.data, c: gb, transA: true, batch, beta: 1 });
      } else {
        // db (k, n) += aᵀ (k, m) · dy (m, n)
        if (shared) for (let i = 0; i < batch; i++) backend().gemm({ m: k, n, k: m, a: a.data, b: dy, c: gb, transA: true, aOffset: i * m * k, bOffset: i * m * n, beta: 1 });
        else backend().gemm({ m: k, n, k: m, a: a.data, b: dy, c: gb, transA: true, batch, beta: 1 });
      }
    }
  });
}
