import type { Backend } from "../backend.js";
import { adam } from "./adam.js";
import { argmaxRows } from "./argmax-rows.js";
import { attendOne } from "./attend-one.js";
import { addColumnSums } from "./column-sums.js";
import { copyStrided } from "./copy-strided.js";
import { crossEntropy, crossEntropyBackward, crossEntropyWithGradOf } from "./cross-entropy.js";
import { dropout, maskScale } from "./dropout.js";
import { add, addTiled, fill, scale, sumSquares, tile } from "./elementwise.js";
import { embedding, embeddingBackward } from "./embedding.js";
import { gelu, geluBackward, geluTanh, geluTanhBackward, relu, reluBackward, silu, siluBackward, tanh, tanhBackward } from "./activations.js";
import { gemm } from "./gemm.js";
import { layerNorm, layerNormBackward } from "./layer-norm.js";
import { logSoftmax } from "./log-softmax.js";
import { maskedMeanPool, maskedMeanPoolBackward } from "./mean-pool.js";
import { maskedSoftmax, softmax, softmaxBackward } from "./softmax.js";

/**
 * The tensor layer's single-pass loops (adds, tiles, scaling, copies, argmax, tanh, mean pooling): plain TS on
 * every CPU backend, which the wasm and native backends take as they are (one pass over memory: nothing for SIMD
 * threads to win; tanh is the classifier's pooler, (batch, dModel) values once a step).
 */
export const tensorLoops = {
  add, addTiled, sumSquares, tile, scale, fill, copyStrided, argmaxRows, tanh, tanhBackward, maskedMeanPool, maskedMeanPoolBackward,
} as const;

/** The reference backend: plain TypeScript, single-threaded, the oracle for every faster backend. */
export const jsBackend: Backend = {
  name: "js",
  gemm,
  softmax,
  maskedSoftmax,
  attendOne,
  softmaxBackward,
  layerNorm,
  layerNormBackward,
  relu,
  reluBackward,
  gelu,
  geluBackward,
  geluTanh,
  geluTanhBackward,
  silu,
  siluBackward,
  dropout,
  maskScale,
  addColumnSums,
  embedding,
  embeddingBackward,
  crossEntropy,
  crossEntropyBackward,
  crossEntropyWithGrad: crossEntropyWithGradOf({ crossEntropy, crossEntropyBackward }),
  adam,
  ...tensorLoops,
  logSoftmax,
};
