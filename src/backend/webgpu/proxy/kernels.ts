import { encodeAdam } from "../kernels/adam.js";
import { encodeBackward, encodeUnary, type BackwardName, type UnaryName } from "../kernels/activations.js";
import { encodeAttendOne } from "../kernels/attend-one.js";
import { encodeAddColumnSums } from "../kernels/column-sums.js";
import { encodeCrossEntropy, encodeCrossEntropyBackward, encodeCrossEntropyWithGrad } from "../kernels/cross-entropy.js";
import { encodeDropout, encodeMaskScale } from "../kernels/dropout.js";
import { encodeEmbedding, encodeEmbeddingBackward } from "../kernels/embedding.js";
import { encodeGemm } from "../kernels/gemm.js";
import { encodeLayerNorm, encodeLayerNormBackward } from "../kernels/layer-norm.js";
import { encodeMaskedSoftmax, encodeSoftmax, encodeSoftmaxBackward } from "../kernels/softmax.js";
import type { GpuRuntime, GpuTensor } from "../runtime.js";
import { encodeAdd, encodeAddTiled, encodeFill, encodeScale, encodeTile } from "../kernels/elementwise.js";
import { encodeCopyStrided } from "../kernels/copy-strided.js";
import { encodeArgmaxRows } from "../kernels/argmax.js";
import { encodeLogSoftmax } from "../kernels/log-softmax.js";
import { encodeSumSquares } from "../kernels/sum-squares.js";
import { encodeMaskedMeanPool, encodeMaskedMeanPoolBackward } from "../kernels/mean-pool.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- the arguments are the Backend method's, with GpuTensors for arrays */
type Encoder = (rt: GpuRuntime, args: any[]) => void;

const unary = (op: UnaryName): Encoder => (rt, [x, out, n]) => encodeUnary(rt, op, x, out, n);
const backward = (op: BackwardName): Encoder => (rt, [x, dy, dx, n]) => encodeBackward(rt, op, x, dy, dx, n);

/**
 * Each Backend method as WGSL dispatches, from its own argument list with GpuTensors where it had arrays (the
 * device backend has checked the arguments on the host already). Cross-entropy's status word, which the kernels
 * write for a bad target, is scratch: the host checked the targets.
 */
export const ENCODERS: Record<string, Encoder> = {
  gemm: (rt, [g]) => encodeGemm(rt, g),
  softmax: (rt, [x, out, rows, cols, scale]) => encodeSoftmax(rt, x, out, rows, cols, scale),
  maskedSoftmax: (rt, [scores, out, mask, scale]) => encodeMaskedSoftmax(rt, scores, out, mask, (mask.keyPad as GpuTensor | undefined) ?? null, scale),
  attendOne: (rt, [a]) => encodeAttendOne(rt, a),
  softmaxBackward: (rt, [y, dy, dx, rows, cols, scale]) => encodeSoftmaxBackward(rt, y, dy, dx, rows, cols, scale),
  layerNorm: (rt, [a]) => encodeLayerNorm(rt, a),
  layerNormBackward: (rt, [a]) => encodeLayerNormBackward(rt, a),
  relu: unary("relu"),
  gelu: unary("gelu"),
  geluTanh: unary("geluTanh"),
  silu: unary("silu"),
  reluBackward: backward("reluBackward"),
  geluBackward: backward("geluBackward"),
  geluTanhBackward: backward("geluTanhBackward"),
  siluBackward: backward("siluBackward"),
  tanh: unary("tanh"),
  tanhBackward: backward("tanhBackward"),
  dropout: (rt, [x, out, keep, n, p, key]) => encodeDropout(rt, x, out, keep, n, p, key),
  maskScale: (rt, [x, keep, scale, out, n]) => encodeMaskScale(rt, x, keep, scale, out, n),
  addColumnSums: (rt, [x, rows, cols, out]) => encodeAddColumnSums(rt, x, rows, cols, out),
  embedding: (rt, [table, ids, dim, out]) => encodeEmbedding(rt, table, ids, ids.length, dim, out),
  embeddingBackward: (rt, [dOut, ids, dim, dTable]) => encodeEmbeddingBackward(rt, dOut, ids, ids.length, dim, dTable),
  crossEntropy: (rt, [a]) => encodeCrossEntropy(rt, { ...a, status: rt.scratch(2) }),
  crossEntropyBackward: (rt, [a]) => encodeCrossEntropyBackward(rt, a),
  crossEntropyWithGrad: (rt, [a]) => encodeCrossEntropyWithGrad(rt, { ...a, status: rt.scratch(2) }),
  adam: (rt, [p, g, m, v, n, args]) => encodeAdam(rt, p, g, m, v, n, args),
  add: (rt, [a, b, out, n]) => encodeAdd(rt, a, b, out, n),
  addTiled: (rt, [x, tile, out, n, period]) => encodeAddTiled(rt, x, tile, out, n, period),
  tile: (rt, [src, period, out, n]) => encodeTile(rt, src, period, out, n),
  scale: (rt, [x, s, out, n]) => encodeScale(rt, x, s, out, n),
  fill: (rt, [out, value, n]) => encodeFill(rt, out, value, n),
  copyStrided: (rt, [a]) => encodeCopyStrided(rt, a),
  argmaxRows: (rt, [x, rows, cols, out]) => encodeArgmaxRows(rt, x, rows, cols, out),
  logSoftmax: (rt, [x, out, rows, cols]) => encodeLogSoftmax(rt, x, out, rows, cols),
  sumSquares: (rt, [x, n, out, at]) => encodeSumSquares(rt, x, n, out, at),
  maskedMeanPool: (rt, [x, keyPad, out, batch, T, d]) => encodeMaskedMeanPool(rt, x, keyPad, out, batch, T, d),
  maskedMeanPoolBackward: (rt, [dOut, keyPad, dx, batch, T, d]) => encodeMaskedMeanPoolBackward(rt, dOut, keyPad, dx, batch, T, d),
};
