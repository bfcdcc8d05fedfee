/**
 * The non-GEMM kernels on wasm SIMD (kernels/softmax.c, attention.c, layer_norm.c, activations.c, cross_entropy.c, adam.c).
 * Each call copies its inputs into scratch memory (unless they are resident: operands.ts), runs the kernel (split
 * by rows or by ranges over the threads when the call is large enough to pay for waking them) and copies the
 * results out (unless they are resident). Embedding gather/scatter, dropout and the tensor layer's single-pass
 * loops (js/index.ts tensorLoops: adds, tiles, copies, argmaxRows, tanh, mean pooling) stay in plain TS, the
 * reference's loops: a round trip through wasm memory could only slow them down. logSoftmax is the crossEntropy
 * kernel's logSumExp less each score, as decoding computes it today.
 */
import type { AdamArgs, AttentionMask, Backend } from "../backend.js";
import {
  adamScalars, checkAttendOne, checkLayerNorm, checkLayerNormBackward, checkTargets, finishCrossEntropy, need as needFor,
} from "../kernel-args.js";
import { addColumnSums } from "../js/column-sums.js";
import { crossEntropyWithGradOf } from "../js/cross-entropy.js";
import { dropout, maskScale } from "../js/dropout.js";
import { geluTanh, geluTanhBackward, silu, siluBackward } from "../js/activations.js";
import { tensorLoops } from "../js/index.js";
import { embedding, embeddingBackward } from "../js/embedding.js";
import { logSoftmaxOf } from "../js/log-softmax.js";
import type { Arena } from "./arena.js";
import type { KernelExports } from "./loader.js";
import { finish, inPlaceInput, input, output, outputAt } from "./operands.js";
import type { Task, ThreadPool } from "./pool.js";
import type { TaskName } from "./tasks.js";

export interface KernelContext {
  arena: Arena;
  pool: ThreadPool;
  main: KernelExports;
}

export type ElementKernels = Omit<Backend, "name" | "gemm">;

/** Below this many elements a kernel runs on the calling thread alone. */
export const PARALLEL_MIN_ELEMENTS = 1 << 15;

const need = (kernel: string, name: string, arr: ArrayLike<number>, count: number) => needFor("wasm", kernel, name, arr, count);

export function makeKernels(ctx: KernelContext): ElementKernels {
  const { arena, pool } = ctx;

  /** Runs fn over rows 0..rows-1, split into one contiguous range per thread; args(r0, r1) gives the arguments. */
  function rows(fn: TaskName, count: number, cols: number, args: (r0: number, r1: number) => number[]): void {
    const T = count * cols >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads, count) : 1;
    const tasks: Task[] = [];
    for (let t = 0; t < T; t++) {
      tasks.push({ fn, args: args(Math.floor((t * count) / T), Math.floor(((t + 1) * count) / T)) });
    }
    pool.run(tasks);
  }

  /** Runs an elementwise fn over n values; args(offset, length) gives the arguments for one range. */
  function elements(fn: TaskName, n: number, args: (offset: number, length: number) => number[]): void {
    const T = n >= PARALLEL_MIN_ELEMENTS ? pool.threads : 1;
    const tasks: Task[] = [];
    for (let t = 0; t < T; t++) {
      // ranges start at multiples of 4 so each stays on whole vectors but the last
      const lo = Math.min(n, 4 * Math.floor((t * n) / T / 4));
      const hi = t === T - 1 ? n : Math.min(n, 4 * Math.floor(((t + 1) * n) / T / 4));
      tasks.push({ fn, args: args(lo, hi - lo) });
    }
    pool.run(tasks);
  }

  const f = 4; // bytes per float

  /** out = act(x), elementwise (in place over x's copy when neither is resident). */
  function activation(kernel: string, fn: TaskName, x: Float32Array, out: Float32Array, n: number): void {
    need(kernel, "x", x, n);
    need(kernel, "out", out, n);
    arena.reset();
    const outR = output(arena, out);
    const at = input(arena, x, 0, n, [out], out);
    const outAt = outputAt(arena, outR, n, at);
    elements(fn, n, (o, len) => [at + o * f, outAt + o * f, len]);
    finish(arena, outR, outAt, out, n);
  }

  /** dx = dy · act'(x), elementwise (over dy's copy when neither is resident). */
  function activationBackward(kernel: string, fn: TaskName, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
    need(kernel, "x", x, n);
    need(kernel, "dy", dy, n);
    need(kernel, "dx", dx, n);
    arena.reset();
    const dxR = output(arena, dx);
    const xAt = input(arena, x, 0, n, [dx]);
    const dyAt = input(arena, dy, 0, n, [dx], dx);
    const dxAt = outputAt(arena, dxR, n, dyAt);
    elements(fn, n, (o, len) => [xAt + o * f, dyAt + o * f, dxAt + o * f, len]);
    finish(arena, dxR, dxAt, dx, n);
  }

  const kernels: Omit<ElementKernels, "crossEntropyWithGrad" | "logSoftmax"> = {
    softmax(x, out, nRows, cols, scale) {
      const n = nRows * cols;
      need("softmax", "x", x, n);
      need("softmax", "out", out, n);
      arena.reset();
      const outR = output(arena, out);
      const at = input(arena, x, 0, n, [out], out);
      const outAt = outputAt(arena, outR, n, at);
      rows("softmax_rows", nRows, cols, (r0, r1) => [at, outAt, r0, r1, cols, scale]);
      finish(arena, outR, outAt, out, n);
    },

    maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number) {
      const { batch, heads, queries, keys, keyPad } = mask;
      const nRows = batch * heads * queries;
      const n = nRows * keys;
      need("maskedSoftmax", "scores", scores, n);
      need("maskedSoftmax", "out", out, n);
      arena.reset();
      const outR = output(arena, out);
      const at = input(arena, scores, 0, n, [out], out);
      const outAt = outputAt(arena, outR, n, at);
      let padAt = 0;
      if (keyPad) {
        need("maskedSoftmax", "keyPad", keyPad, batch * keys);
        padAt = arena.copyInBytes(keyPad.subarray(0, batch * keys));
      }
      const causal = mask.causal ? 1 : 0;
      const offset = mask.queryOffset ?? 0;
      rows("masked_softmax_rows", nRows, keys,
        (r0, r1) => [at, outAt, r0, r1, heads, queries, keys, padAt, causal, offset, scale]);
      finish(arena, outR, outAt, out, n);
    },

    attendOne(a) {
      checkAttendOne("wasm", a);
      const { batch: B, heads: h, dK, keys: S, limit } = a;
      const d = h * dK;
      arena.reset();
      const outR = output(arena, a.out);
      const wR = output(arena, a.weights);
      const outs = [a.out, a.weights];
      // each sentence's query, and its keys' and values' rows 0..limit-1: read in place with their strides when
      // resident, else copied in sentence after sentence (the span of one sentence's rows, with their row stride)
      const sentences = (x: Float32Array, offset: number, stride: number, span: number): [at: number, stride: number] => {
        if (B === 0 || span === 0) return [0, span]; // nothing is read
        const at = inPlaceInput(arena, x, offset, offset + (B - 1) * stride + span, outs);
        if (at >= 0) return [at, stride];
        const to = arena.alloc(B * span * f);
        for (let b = 0; b < B; b++) arena.write(to + b * span * f, x, offset + b * stride, offset + b * stride + span);
        return [to, span];
      };
      const [qAt, qStride] = sentences(a.q, a.qOffset, a.qStride, d);
      const kvSpan = (ld: number) => (limit === 0 ? 0 : (limit - 1) * ld + d);
      const [kAt, kStride] = sentences(a.k, a.kOffset, a.kStride, kvSpan(a.kLd));
      const [vAt, vStride] = sentences(a.v, a.vOffset, a.vStride, kvSpan(a.vLd));
      const padAt = a.keyPad ? arena.copyInBytes(a.keyPad.subarray(0, B * S)) : 0;
      const outAt = outputAt(arena, outR, B * d);
      const wAt = outputAt(arena, wR, B * h * S);
      rows("attend_one_rows", B * h, limit * dK,
        (r0, r1) => [qAt, kAt, vAt, outAt, wAt, r0, r1, h, dK, S, limit, qStride, kStride, a.kLd, vStride, a.vLd, padAt, a.scale]);
      finish(arena, outR, outAt, a.out, B * d);
      finish(arena, wR, wAt, a.weights, B * h * S);
    },

    softmaxBackward(y, dy, dx, nRows, cols, scale) {
      const n = nRows * cols;
      need("softmaxBackward", "y", y, n);
      need("softmaxBackward", "dy", dy, n);
      need("softmaxBackward", "dx", dx, n);
      arena.reset();
      const dxR = output(arena, dx);
      const yAt = input(arena, y, 0, n, [dx]);
      const dyAt = input(arena, dy, 0, n, [dx], dx);
      const dxAt = outputAt(arena, dxR, n, dyAt);
      rows("softmax_backward_rows", nRows, cols, (r0, r1) => [yAt, dyAt, dxAt, r0, r1, cols, scale]);
      finish(arena, dxR, dxAt, dx, n);
    },

    layerNorm(a) {
      const { x, gamma, beta, out, mean, rstd, rows: nRows, cols, eps } = a;
      const n = nRows * cols;
      checkLayerNorm("wasm", a);
      arena.reset();
      const outR = output(arena, out), meanR = output(arena, mean), rstdR = output(arena, rstd);
      const outs = [out, mean, rstd];
      const xAt = input(arena, x, 0, n, outs, out);
      const gAt = input(arena, gamma, 0, cols, outs);
      const bAt = input(arena, beta, 0, cols, outs);
      const outAt = outputAt(arena, outR, n, xAt);
      const meanAt = outputAt(arena, meanR, nRows);
      const rstdAt = outputAt(arena, rstdR, nRows);
      rows("layer_norm_rows", nRows, cols, (r0, r1) => [xAt, gAt, bAt, outAt, meanAt, rstdAt, r0, r1, cols, eps]);
      finish(arena, outR, outAt, out, n);
      finish(arena, meanR, meanAt, mean, nRows);
      finish(arena, rstdR, rstdAt, rstd, nRows);
    },

    layerNormBackward(a) {
      const { dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows: nRows, cols } = a;
      const n = nRows * cols;
      checkLayerNormBackward("wasm", a);
      arena.reset();
      // dGamma and dBeta are read and written through copies (their partial sums are added up below); dx may be resident
      const dxR = output(arena, dx);
      const dyAt = input(arena, dy, 0, n, [dx], dx);
      const xAt = input(arena, x, 0, n, [dx]);
      const gAt = input(arena, gamma, 0, cols, [dx]);
      const meanAt = input(arena, mean, 0, nRows, [dx]);
      const rstdAt = input(arena, rstd, 0, nRows, [dx]);
      const dxAt = outputAt(arena, dxR, n, dyAt);
      // thread 0 adds into dGamma/dBeta as given; threads 1.. into zeroed partial sums, added below in thread order
      const T = n >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads, nRows) : 1;
      const dgAt: number[] = [arena.copyIn(dGamma, 0, cols)];
      const dbAt: number[] = [arena.copyIn(dBeta, 0, cols)];
      for (let t = 1; t < T; t++) {
        dgAt.push(arena.alloc(cols * f));
        dbAt.push(arena.alloc(cols * f));
        arena.f32.fill(0, dgAt[t] >> 2, (dgAt[t] >> 2) + cols);
        arena.f32.fill(0, dbAt[t] >> 2, (dbAt[t] >> 2) + cols);
      }
      const tasks: Task[] = [];
      for (let t = 0; t < T; t++) {
        const r0 = Math.floor((t * nRows) / T);
        const r1 = Math.floor(((t + 1) * nRows) / T);
        tasks.push({
          fn: "layer_norm_backward_rows",
          args: [dyAt, xAt, gAt, meanAt, rstdAt, dxAt, dgAt[t], dbAt[t], r0, r1, cols],
        });
      }
      pool.run(tasks);
      finish(arena, dxR, dxAt, dx, n);
      const mem = arena.f32;
      for (let j = 0; j < cols; j++) {
        let g = mem[(dgAt[0] >> 2) + j];
        let b = mem[(dbAt[0] >> 2) + j];
        for (let t = 1; t < T; t++) {
          g += mem[(dgAt[t] >> 2) + j];
          b += mem[(dbAt[t] >> 2) + j];
        }
        dGamma[j] = g;
        dBeta[j] = b;
      }
    },

    relu: (x, out, n) => activation("relu", "relu", x, out, n),
    reluBackward: (x, dy, dx, n) => activationBackward("reluBackward", "relu_backward", x, dy, dx, n),
    gelu: (x, out, n) => activation("gelu", "gelu", x, out, n),
    geluBackward: (x, dy, dx, n) => activationBackward("geluBackward", "gelu_backward", x, dy, dx, n),
    // no compiled kernel yet: the reference loop (GPT-2 checkpoints use it; it is one pass over the FFN hidden layer)
    geluTanh,
    geluTanhBackward,
    // likewise (Marian checkpoints' "swish")
    silu,
    siluBackward,

    // dropout's draws are sequential (one generator) and the rest is one multiply: copying into wasm memory and
    // back would cost more than the work
    dropout,
    maskScale,
    addColumnSums,
    embedding,
    embeddingBackward,
    ...tensorLoops,

    crossEntropy(a) {
      const { logits, rows: nRows, cols } = a;
      const n = nRows * cols;
      need("crossEntropy", "logits", logits, n);
      need("crossEntropy", "rowLoss", a.rowLoss, nRows);
      need("crossEntropy", "logSumExp", a.logSumExp, nRows);
      checkTargets("wasm", a);
      arena.reset();
      const at = input(arena, logits, 0, n);
      const maxAt = arena.alloc(nRows * f);
      const sumExpAt = arena.alloc(nRows * f);
      const sumAt = arena.alloc(nRows * f);
      rows("cross_entropy_rows", nRows, cols, (r0, r1) => [at, r0, r1, cols, maxAt, sumExpAt, sumAt]);
      const mem = arena.f32;
      const at32 = (byteAt: number) => mem.subarray(byteAt >> 2, (byteAt >> 2) + nRows);
      return finishCrossEntropy(a, at32(maxAt), at32(sumExpAt), at32(sumAt));
    },

    crossEntropyBackward(a) {
      const { logits, targets, logSumExp, rows: nRows, cols, ignoreIndex, labelSmoothing, scale, dLogits } = a;
      const n = nRows * cols;
      need("crossEntropyBackward", "logits", logits, n);
      need("crossEntropyBackward", "dLogits", dLogits, n);
      need("crossEntropyBackward", "logSumExp", logSumExp, nRows);
      checkTargets("wasm", a);
      arena.reset();
      const dR = output(arena, dLogits);
      const at = input(arena, logits, 0, n, [dLogits], dLogits);
      const tAt = arena.copyInBytes(targets.subarray(0, nRows));
      const lseAt = input(arena, logSumExp, 0, nRows, [dLogits]);
      const dAt = outputAt(arena, dR, n, at);
      rows("cross_entropy_backward_rows", nRows, cols,
        (r0, r1) => [at, tAt, lseAt, r0, r1, cols, ignoreIndex, labelSmoothing, scale, dAt]);
      finish(arena, dR, dAt, dLogits, n);
    },

    adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, a: AdamArgs) {
      need("adam", "param", param, n);
      need("adam", "grad", grad, n);
      need("adam", "m", m, n);
      need("adam", "v", v, n);
      arena.reset();
      // param, m and v are updated in place: in the memory when resident, else in their copies, copied back
      const outs = [param, m, v];
      const pR = output(arena, param), mR = output(arena, m), vR = output(arena, v);
      const pAt = input(arena, param, 0, n, outs, param);
      const gAt = input(arena, grad, 0, n, outs);
      const mAt = input(arena, m, 0, n, outs, m);
      const vAt = input(arena, v, 0, n, outs, v);
      const scalars = adamScalars(a);
      elements("adam", n, (o, len) => [pAt + o * f, gAt + o * f, mAt + o * f, vAt + o * f, len, ...scalars]);
      finish(arena, pR, pAt, param, n);
      finish(arena, mR, mAt, m, n);
      finish(arena, vR, vAt, v, n);
    },
  };
  return { ...kernels, crossEntropyWithGrad: crossEntropyWithGradOf(kernels), logSoftmax: logSoftmaxOf(kernels.crossEntropy) };
}
