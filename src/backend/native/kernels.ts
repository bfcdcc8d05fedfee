/**
 * The element kernels on the native addon: the same C sources as the wasm kernels (kernels/*.c, compiled natively
 * by native/kernels.c), called directly on the caller's arrays — no copies in and out of wasm memory — and split
 * over the GEMM's thread pool by rows (or ranges) when a call is big enough. Embedding gather/scatter and the
 * tensor layer's single-pass loops (js/index.ts tensorLoops: adds, tiles, copies, argmaxRows, tanh, mean pooling)
 * stay in plain TS, the reference's loops, as on wasm; logSoftmax is the crossEntropy kernel's logSumExp less each
 * score, as decoding computes it today.
 */
import type { AttentionMask } from "../backend.js";
import { geluTanh, geluTanhBackward, silu, siluBackward } from "../js/activations.js";
import { tensorLoops } from "../js/index.js";
import { embedding, embeddingBackward } from "../js/embedding.js";
import { logSoftmaxOf } from "../js/log-softmax.js";
import { adamScalars, checkAttendOne, checkLayerNorm, checkLayerNormBackward, checkTargets, finishCrossEntropy, need as needFor } from "../kernel-args.js";
import type { ElementKernels } from "../wasm/kernels.js";

/** The addon's element-kernel functions (native/addon.cc); every count and index is checked here first. */
export interface NativeKernelAddon {
  softmaxRows(x: Float32Array, out: Float32Array, rows: number, cols: number, scale: number, threads: number): void;
  maskedSoftmaxRows(
    scores: Float32Array, out: Float32Array, keyPad: Uint8Array | null, batch: number, heads: number, queries: number,
    keys: number, causal: number, queryOffset: number, scale: number, threads: number,
  ): void;
  /** params: [batch, heads, dK, keys, limit, qOffset, qStride, kOffset, kStride, kLd, vOffset, vStride, vLd, scale, threads] */
  attendOne(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, weights: Float32Array, keyPad: Uint8Array | null,
    params: Float64Array): void;
  softmaxBackwardRows(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, scale: number, threads: number): void;
  layerNormRows(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, mean: Float32Array, rstd: Float32Array,
    rows: number, cols: number, eps: number, threads: number,
  ): void;
  layerNormBackwardRows(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, dx: Float32Array,
    dGamma: Float32Array, dBeta: Float32Array, rows: number, cols: number, threads: number,
  ): void;
  /** kind 0 = relu, 1 = gelu */
  activation(kind: number, x: Float32Array, out: Float32Array, n: number, threads: number): void;
  activationBackward(kind: number, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, threads: number): void;
  crossEntropyRows(
    logits: Float32Array, rows: number, cols: number, rowMax: Float32Array, rowSumExp: Float32Array, rowSum: Float32Array,
    threads: number,
  ): void;
  crossEntropyBackwardRows(
    logits: Float32Array, targets: Int32Array, lse: Float32Array, rows: number, cols: number, ignoreIndex: number,
    smoothing: number, scale: number, dLogits: Float32Array, threads: number,
  ): void;
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, ...scalarsThenThreads: number[]): void;
  dropout(x: Float32Array, out: Float32Array, keep: Uint8Array, n: number, p: number, key: Uint32Array, threads: number): void;
  maskScale(x: Float32Array, keep: Uint8Array, scale: number, out: Float32Array, n: number): void;
  addColumnSums(x: Float32Array, rows: number, cols: number, out: Float32Array, threads: number): void;
  crossEntropyWithGrad(
    logits: Float32Array, targets: Int32Array, rows: number, cols: number, ignoreIndex: number, smoothing: number,
    rowLoss: Float32Array, lse: Float32Array, scale: number, dLogits: Float32Array, threads: number,
  ): void;
}

const INT32 = 2 ** 31 - 1;

function need(kernel: string, name: string, arr: ArrayLike<number>, count: number): void {
  // the C kernels index with ints
  if (count > INT32) throw new RangeError(`${kernel} (native): ${count} elements is too many for one call`);
  needFor("native", kernel, name, arr, count);
}

export function makeNativeKernels(addon: NativeKernelAddon, threads: number): ElementKernels {
  const attendParams = new Float64Array(15);
  /** kind 0 = relu, 1 = gelu (native/addon.cc) */
  function activation(kernel: string, kind: number, x: Float32Array, out: Float32Array, n: number): void {
    need(kernel, "x", x, n);
    need(kernel, "out", out, n);
    addon.activation(kind, x, out, n, threads);
  }

  function activationBackward(kernel: string, kind: number, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
    need(kernel, "x", x, n);
    need(kernel, "dy", dy, n);
    need(kernel, "dx", dx, n);
    addon.activationBackward(kind, x, dy, dx, n, threads);
  }

  const kernels: Omit<ElementKernels, "logSoftmax"> = {
    softmax(x, out, rows, cols, scale) {
      need("softmax", "x", x, rows * cols);
      need("softmax", "out", out, rows * cols);
      addon.softmaxRows(x, out, rows, cols, scale, threads);
    },

    maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number) {
      const { batch, heads, queries, keys, keyPad } = mask;
      const n = batch * heads * queries * keys;
      need("maskedSoftmax", "scores", scores, n);
      need("maskedSoftmax", "out", out, n);
      if (keyPad) need("maskedSoftmax", "keyPad", keyPad, batch * keys);
      addon.maskedSoftmaxRows(scores, out, keyPad ?? null, batch, heads, queries, keys, mask.causal ? 1 : 0,
        mask.queryOffset ?? 0, scale, threads);
    },

    attendOne(a) {
      checkAttendOne("native", a);
      const last = Math.max(a.q.length, a.k.length, a.v.length, a.out.length, a.weights.length);
      if (last > INT32) throw new RangeError(`attendOne (native): an operand has ${last} elements, too many for one call (the kernel indexes with ints)`);
      const p = attendParams; // one call a layer and decoding step: the numbers go in one array, not as 15 arguments
      p[0] = a.batch; p[1] = a.heads; p[2] = a.dK; p[3] = a.keys; p[4] = a.limit;
      p[5] = a.qOffset; p[6] = a.qStride; p[7] = a.kOffset; p[8] = a.kStride; p[9] = a.kLd;
      p[10] = a.vOffset; p[11] = a.vStride; p[12] = a.vLd; p[13] = a.scale; p[14] = threads;
      addon.attendOne(a.q, a.k, a.v, a.out, a.weights, a.keyPad, p);
    },

    softmaxBackward(y, dy, dx, rows, cols, scale) {
      const n = rows * cols;
      need("softmaxBackward", "y", y, n);
      need("softmaxBackward", "dy", dy, n);
      need("softmaxBackward", "dx", dx, n);
      addon.softmaxBackwardRows(y, dy, dx, rows, cols, scale, threads);
    },

    layerNorm(a) {
      checkLayerNorm("native", a);
      addon.layerNormRows(a.x, a.gamma, a.beta, a.out, a.mean, a.rstd, a.rows, a.cols, a.eps, threads);
    },

    layerNormBackward(a) {
      checkLayerNormBackward("native", a);
      addon.layerNormBackwardRows(a.dy, a.x, a.gamma, a.mean, a.rstd, a.dx, a.dGamma, a.dBeta, a.rows, a.cols, threads);
    },

    relu: (x, out, n) => activation("relu", 0, x, out, n),
    reluBackward: (x, dy, dx, n) => activationBackward("reluBackward", 0, x, dy, dx, n),
    gelu: (x, out, n) => activation("gelu", 1, x, out, n),
    geluBackward: (x, dy, dx, n) => activationBackward("geluBackward", 1, x, dy, dx, n),
    // no compiled kernel yet: the reference loop (GPT-2 checkpoints use it; it is one pass over the FFN hidden layer)
    geluTanh,
    geluTanhBackward,
    // likewise (Marian checkpoints' "swish")
    silu,
    siluBackward,

    dropout(x, out, keep, n, p, key) {
      need("dropout", "x", x, n);
      need("dropout", "out", out, n);
      need("dropout", "keep", keep, n);
      if (key.length !== 2) throw new RangeError(`dropout (native): the key has ${key.length} words, needs 2`);
      if (!(p >= 0 && p < 1)) throw new RangeError(`dropout (native): p must be in [0, 1), got ${p}`);
      addon.dropout(x, out, keep, n, p, key, threads);
    },

    maskScale(x, keep, scale, out, n) {
      need("maskScale", "x", x, n);
      need("maskScale", "keep", keep, n);
      need("maskScale", "out", out, n);
      addon.maskScale(x, keep, scale, out, n);
    },

    addColumnSums(x, rows, cols, out) {
      needFor("native", "addColumnSums", "x", x, rows * cols);
      needFor("native", "addColumnSums", "out", out, cols);
      addon.addColumnSums(x, rows, cols, out, threads);
    },

    embedding,
    embeddingBackward,
    ...tensorLoops,

    crossEntropy(a) {
      const { logits, rows, cols } = a;
      need("crossEntropy", "logits", logits, rows * cols);
      need("crossEntropy", "rowLoss", a.rowLoss, rows);
      need("crossEntropy", "logSumExp", a.logSumExp, rows);
      checkTargets("native", a);
      const rowMax = new Float32Array(rows), rowSumExp = new Float32Array(rows), rowSum = new Float32Array(rows);
      addon.crossEntropyRows(logits, rows, cols, rowMax, rowSumExp, rowSum, threads);
      return finishCrossEntropy(a, rowMax, rowSumExp, rowSum);
    },

    crossEntropyBackward(a) {
      const { rows, cols } = a;
      need("crossEntropyBackward", "logits", a.logits, rows * cols);
      need("crossEntropyBackward", "dLogits", a.dLogits, rows * cols);
      need("crossEntropyBackward", "logSumExp", a.logSumExp, rows);
      checkTargets("native", a);
      addon.crossEntropyBackwardRows(a.logits, a.targets, a.logSumExp, rows, cols, a.ignoreIndex, a.labelSmoothing, a.scale, a.dLogits, threads);
    },

    crossEntropyWithGrad(a) {
      const { targets, rows, cols, ignoreIndex } = a;
      need("crossEntropyWithGrad", "logits", a.logits, rows * cols);
      need("crossEntropyWithGrad", "dLogits", a.dLogits, rows * cols);
      need("crossEntropyWithGrad", "rowLoss", a.rowLoss, rows);
      need("crossEntropyWithGrad", "logSumExp", a.logSumExp, rows);
      checkTargets("native", a);
      addon.crossEntropyWithGrad(a.logits, targets, rows, cols, ignoreIndex, a.labelSmoothing, a.rowLoss, a.logSumExp, a.scale, a.dLogits, threads);
      let count = 0;
      for (let r = 0; r < rows; r++) if (targets[r] !== ignoreIndex) count++;
      return count;
    },

    adam(param, grad, m, v, n, a) {
      need("adam", "param", param, n);
      need("adam", "grad", grad, n);
      need("adam", "m", m, n);
      need("adam", "v", v, n);
      addon.adam(param, grad, m, v, n, ...adamScalars(a), threads);
    },
  };
  return { ...kernels, logSoftmax: logSoftmaxOf(kernels.crossEntropy) };
}
