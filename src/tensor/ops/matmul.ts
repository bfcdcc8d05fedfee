import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

/**
 * Where a GEMM should write t's gradient, and its beta: the existing grad buffer (beta 1: accumulate), or, while
 * t has none, a fresh one that becomes t's grad and is simply overwritten (beta 0: no zero-fill to read back).
 */
function gradTarget(t: Tensor): [Float32Array, number] {
  const g = t.gradRaw;
  if (g) return [g, 1];
  t.grad = new Float32Array(t.size);
  return [t.gradRaw!, 0];
}

/**
 * y = x Wᵀ + b, as torch.nn.functional.linear: x (..., in), W (out, in), b (out) → (..., out).
 * All leading dimensions are folded into one GEMM of `rows` = product of them. The bias is copied into y's rows
 * and the GEMM adds onto it (beta 1); its gradient is dy's column sums.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const [outF, inF] = weight.shape;
  if (x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input has ${x.shape[x.ndim - 1]} features, weight [${weight.shape.join(", ")}] expects ${inF}`);
  }
  if (bias && bias.size !== outF) throw new Error(`linear: bias has ${bias.size} values, weight has ${outF} rows`);
  const rows = x.size / inF;
  const y = floats(rows * outF);
  if (bias) backend().tile(bias.buf, outF, y, rows * outF);
  backend().gemm({ m: rows, n: outF, k: inF, a: x.buf, b: weight.buf, c: y, transB: true, beta: bias ? 1 : 0 });
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(y, [...x.shape.slice(0, -1), outF], inputs, (o) => {
    const dy = o.gradRaw!; // (rows, out)
    if (x.requiresGrad) {
      // dx (rows, in) += dy (rows, out) · W (out, in)
      const [gx, beta] = gradTarget(x);
      backend().gemm({ m: rows, n: inF, k: outF, a: dy, b: weight.buf, c: gx, beta });
    }
    if (weight.requiresGrad) {
      // dW (out, in) += dyᵀ (out, rows) · x (rows, in)
      const [gw, beta] = gradTarget(weight);
      backend().gemm({ m: outF, n: inF, k: rows, a: dy, b: x.buf, c: gw, transA: true, beta });
    }
    if (bias && bias.requiresGrad) backend().addColumnSums(dy, rows, outF, bias.gradBuf()); // db += Σ_rows dy
  });
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
  const out = floats(batch * m * n);
  backend().gemm({ m, n, k, a: a.buf, b: b.buf, c: out, transB, batch, strideB });
  return record(out, [...lead, m, n], [a, b], (o) => {
    const dy = o.gradRaw!;
    if (a.requiresGrad) {
      // da (m, k) += dy (m, n) · op(b)ᵀ
      const [ga, beta] = gradTarget(a);
      backend().gemm({ m, n: k, k: n, a: dy, b: b.buf, c: ga, transB: !transB, batch, strideB, beta });
    }
    if (b.requiresGrad) {
      const gb = b.gradBuf();
      if (transB) {
        // db (n, k) += dyᵀ (n, m) · a (m, k)
        if (shared) for (let i = 0; i < batch; i++) backend().gemm({ m: n, n: k, k: m, a: dy, b: a.buf, c: gb, transA: true, aOffset: i * m * n, bOffset: i * m * k, beta: 1 });
        else backend().gemm({ m: n, n: k, k: m, a: dy, b: a.buf, c: gb, transA: true, batch, beta: 1 });
      } else {
        // db (k, n) += aᵀ (k, m) · dy (m, n)
        if (shared) for (let i = 0; i < batch; i++) backend().gemm({ m: k, n, k: m, a: a.buf, b: dy, c: gb, transA: true, aOffset: i * m * k, bOffset: i * m * n, beta: 1 });
        else backend().gemm({ m: k, n, k: m, a: a.buf, b: dy, c: gb, transA: true, batch, beta: 1 });
      }
    }
  });
}
