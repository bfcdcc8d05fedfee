import { backend, toHost } from "../../backend/index.js";
import { isGradEnabled, record } from "../autograd.js";
import { Tensor } from "../tensor.js";

export interface CrossEntropyOptions {
  /** Targets equal to this are left out of the mean (PyTorch's ignore_index); null: none. */
  ignoreIndex?: number | null;
  /** PyTorch's label_smoothing ε: (1 − ε)·NLL + ε·mean over classes of −log p. */
  labelSmoothing?: number;
}

/**
 * Mean cross-entropy of logits (..., C) against integer targets (one per row), fused with log-softmax so
 * that the backward is the familiar p − onehot, as torch.nn.functional.cross_entropy.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  const cols = logits.shape[logits.ndim - 1];
  const rows = logits.size / cols;
  if (targets.length !== rows) throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows of logits`);
  const ignore = opts.ignoreIndex ?? -1;
  const eps = opts.labelSmoothing ?? 0;
  const rowLoss = new Float32Array(rows);
  const lse = new Float32Array(rows);
  const args = { logits: logits.buf, targets, rows, cols, ignoreIndex: ignore, labelSmoothing: eps, rowLoss, logSumExp: lse };
  const count = backend().crossEntropy(args);
  toHost(rowLoss); // the loss is read here, on the host: the one readback of the forward
  let total = 0;
  for (let r = 0; r < rows; r++) total += rowLoss[r];
  // all targets ignored: PyTorch returns NaN; 0 with zero gradient keeps an all-pad batch harmless
  const loss = count > 0 ? total / count : 0;
  return record(Float32Array.of(loss), [], [logits], (o) => {
    if (count === 0) return;
    const d = new Float32Array(logits.size);
    backend().crossEntropyBackward({ ...args, scale: o.grad![0] / count, dLogits: d });
    logits.accumulateGrad(d, { owned: true });
  });
}

/** Logits per chunk of rows in linearCrossEntropy (8 MiB of floats), unless the inner dimension asks for more. */
const CHUNK_LOGITS = 1 << 21;
/** linearCrossEntropy's logits for one chunk; never leaves that function, so one buffer serves every call. */
let chunkScratch = new Float32Array(0);

/**
 * crossEntropy(linear(x, weight, bias), targets): the output projection and the loss in one op, for vocabularies
 * whose full logits (rows × V) are large. Rows go through in chunks: a chunk's logits, its loss and at once its
 * gradient (p − onehot, scaled for the mean) live in one reused scratch buffer, and the gradients of x, weight
 * and bias are accumulated chunk by chunk; the backward only scales them by the upstream gradient. The full
 * logits are never materialised.
 */
export function linearCrossEntropy(x: Tensor, weight: Tensor, bias: Tensor | null, targets: Int32Array,
  opts: CrossEntropyOptions & { chunkRows?: number } = {}): Tensor {
  const [V, D] = weight.shape;
  if (x.shape[x.ndim - 1] !== D) {
    throw new Error(`linearCrossEntropy: input has ${x.shape[x.ndim - 1]} features, weight [${weight.shape.join(", ")}] expects ${D}`);
  }
  if (bias && bias.size !== V) throw new Error(`linearCrossEntropy: bias has ${bias.size} values, weight has ${V} rows`);
  const rows = x.size / D;
  if (targets.length !== rows) throw new Error(`linearCrossEntropy: ${targets.length} targets for ${rows} rows`);
  const ignore = opts.ignoreIndex ?? -1;
  const eps = opts.labelSmoothing ?? 0;
  const be = backend();
  let count = 0;
  for (let r = 0; r < rows; r++) if (targets[r] !== ignore) count++;
  const wantGrad = isGradEnabled() && count > 0 && (x.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false));
  // every chunk reads all of W twice (and dW once): keep a chunk's logits well above W's size (at least 4·D
  // rows), and otherwise about CHUNK_LOGITS
  const chunk = opts.chunkRows ?? Math.max(4 * D, Math.floor(CHUNK_LOGITS / Math.max(V, 1)));
  if (chunkScratch.length < Math.min(chunk, rows) * V) chunkScratch = new Float32Array(Math.min(chunk, rows) * V);
  const rowLoss = new Float32Array(rows);
  const lse = new Float32Array(rows);
  // gradients for an upstream gradient of 1
  const dx = wantGrad ? new Float32Array(rows * D) : null;
  const dw = wantGrad ? new Float32Array(V * D) : null;
  const db = wantGrad && bias ? new Float32Array(V) : null;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    const logits = chunkScratch.subarray(0, n * V);
    const t = targets.subarray(r0, r0 + n);
    const l = lse.subarray(r0, r0 + n);
    if (bias) be.tile(bias.buf, V, logits, n * V); // the GEMM adds onto the bias
    be.gemm({ m: n, n: V, k: D, a: x.buf, aOffset: r0 * D, b: weight.buf, c: logits, transB: true, beta: bias ? 1 : 0 });
    const args = { logits, targets: t, rows: n, cols: V, ignoreIndex: ignore, labelSmoothing: eps, rowLoss: rowLoss.subarray(r0, r0 + n), logSumExp: l };
    if (!dx || !dw) {
      be.crossEntropy(args);
      continue;
    }
    be.crossEntropyWithGrad({ ...args, scale: 1 / count, dLogits: logits }); // in place: now dLogits
    // dx rows (n, D) = dLogits (n, V) · W (V, D);  dW (V, D) += dLogitsᵀ (V, n) · x rows (n, D);  db += Σ dLogits
    be.gemm({ m: n, n: D, k: V, a: logits, b: weight.buf, c: dx, cOffset: r0 * D });
    be.gemm({ m: V, n: D, k: n, a: logits, b: x.buf, bOffset: r0 * D, c: dw, transA: true, beta: r0 === 0 ? 0 : 1 });
    if (db) be.addColumnSums(logits, n, V, db);
  }
  toHost(rowLoss);
  let total = 0;
  for (let r = 0; r < rows; r++) total += rowLoss[r];
  const loss = count > 0 ? total / count : 0;
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(Float32Array.of(loss), [], inputs, (o) => {
    if (!dx || !dw) return;
    const s = o.grad![0];
    const hand = (t: Tensor, g: Float32Array) => {
      if (s !== 1) be.scale(g, s, g, g.length);
      t.accumulateGrad(g, { owned: true });
    };
    if (x.requiresGrad) hand(x, dx);
    if (weight.requiresGrad) hand(weight, dw);
    if (bias && db && bias.requiresGrad) hand(bias, db);
  });
}

