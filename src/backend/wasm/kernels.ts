/**
 * The non-GEMM kernels on wasm SIMD (kernels/softmax.c, attention.c, layer_norm.c, activations.c, cross_entropy.c, adam.c).
 * Each call copies its inputs into scratch memory, runs the kernel (split by rows or by ranges over the threads
 * when the call is large enough to pay for waking them) and copies the results out. Embedding gather/scatter and
 * dropout stay in plain TS: they are copies or a single multiply, which a round trip through wasm memory could
 * only slow down.
 */
import type { AdamArgs, AttentionMask, Backend } from "../backend.js";
import {
  adamScalars, checkAttendOne, checkLayerNorm, checkLayerNormBackward, checkTargets, finishCrossEntropy, need as needFor,
} from "../kernel-args.js";
import { addColumnSums } from "../js/column-sums.js";
import { crossEntropyWithGradOf } from "../js/cross-entropy.js";
import { dropout, maskScale } from "../js/dropout.js";
import { geluTanh, geluTanhBackward, silu, siluBackward } from "../js/activations.js";
import { embedding, embeddingBackward } from "../js/embedding.js";
import type { Arena } from "./arena.js";
import type { KernelExports } from "./loader.js";
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

  /** out = act(x), elementwise, x copied in and the result out (in place in wasm memory). */
  function activation(kernel: string, fn: TaskName, x: Float32Array, out: Float32Array, n: number): void {
    need(kernel, "x", x, n);
    need(kernel, "out", out, n);
    arena.reset();
    const at = arena.copyIn(x, 0, n);
    elements(fn, n, (o, len) => [at + o * f, at + o * f, len]);
    arena.copyOut(at, out, 0, n);
  }

  /** dx = dy · act'(x), elementwise, computed over dy's copy in wasm memory. */
  function activationBackward(kernel: string, fn: TaskName, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
    need(kernel, "x", x, n);
    need(kernel, "dy", dy, n);
    need(kernel, "dx", dx, n);
    arena.reset();
    const xAt = arena.copyIn(x, 0, n);
    const dyAt = arena.copyIn(dy, 0, n);
    elements(fn, n, (o, len) => [xAt + o * f, dyAt + o * f, dyAt + o * f, len]);
    arena.copyOut(dyAt, dx, 0, n);
  }

  const kernels: Omit<ElementKernels, "crossEntropyWithGrad"> = {
    softmax(x, out, nRows, cols, scale) {
      const n = nRows * cols;
      need("softmax", "x", x, n);
      need("softmax", "out", out, n);
      arena.reset();
      const at = arena.copyIn(x, 0, n);
      rows("softmax_rows", nRows, cols, (r0, r1) => [at, at, r0, r1, cols, scale]);
      arena.copyOut(at, out, 0, n);
    },

    maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number) {
      const { batch, heads, queries, keys, keyPad } = mask;
      const nRows = batch * heads * queries;
      const n = nRows * keys;
      need("maskedSoftmax", "scores", scores, n);
      need("maskedSoftmax", "out", out, n);
      arena.reset();
      const at = arena.copyIn(scores, 0, n);
      let padAt = 0;
      if (keyPad) {
        need("maskedSoftmax", "keyPad", keyPad, batch * keys);
        padAt = arena.copyInBytes(keyPad.subarray(0, batch * keys));
      }
      const causal = mask.causal ? 1 : 0;
      const offset = mask.queryOffset ?? 0;
      rows("masked_softmax_rows", nRows, keys,
        (r0, r1) => [at, at, r0, r1, heads, queries, keys, padAt, causal, offset, scale]);
      arena.copyOut(at, out, 0, n);
    },

    attendOne(a) {
      checkAttendOne("wasm", a);
      const { batch: B, heads: h, dK, keys: S, limit } = a;
      const d = h * dK;
      arena.reset();
      // each sentence's query, and its keys' and values' rows 0..limit-1 (in place, with their row stride), copied in
      const qAt = arena.alloc(B * d * f);
      for (let b = 0; b < B; b++) arena.write(qAt + b * d * f, a.q, a.qOffset + b * a.qStride, a.qOffset + b * a.qStride + d);
      const rowsIn = (x: Float32Array, offset: number, stride: number, ld: number): [at: number, span: number] => {
        const span = limit === 0 ? 0 : (limit - 1) * ld + d;
        const at = arena.alloc(B * span * f);
        for (let b = 0; b < B; b++) arena.write(at + b * span * f, x, offset + b * stride, offset + b * stride + span);
        return [at, span];
      };
      const [kAt, kSpan] = rowsIn(a.k, a.kOffset, a.kStride, a.kLd);
      const [vAt, vSpan] = rowsIn(a.v, a.vOffset, a.vStride, a.vLd);
      const padAt = a.keyPad ? arena.copyInBytes(a.keyPad.subarray(0, B * S)) : 0;
      const outAt = arena.alloc(B * d * f);
      const wAt = arena.alloc(B * h * S * f);
      rows("attend_one_rows", B * h, limit * dK,
        (r0, r1) => [qAt, kAt, vAt, outAt, wAt, r0, r1, h, dK, S, limit, d, kSpan, a.kLd, vSpan, a.vLd, padAt, a.scale]);
      arena.copyOut(outAt, a.out, 0, B * d);
      arena.copyOut(wAt, a.weights, 0, B * h * S);
    },

    softmaxBackward(y, dy, dx, nRows, cols, scale) {
      const n = nRows * cols;
      need("softmaxBackward", "y", y, n);
      need("softmaxBackward", "dy", dy, n);
      need("softmaxBackward", "dx", dx, n);
      arena.reset();
      const yAt = arena.copyIn(y, 0, n);
      const dyAt = arena.copyIn(dy, 0, n);
      rows("softmax_backward_rows", nRows, cols, (r0, r1) => [yAt, dyAt, dyAt, r0, r1, cols, scale]);
      arena.copyOut(dyAt, dx, 0, n);
    },

    layerNorm(a) {
      const { x, gamma, beta, out, mean, rstd, rows: nRows, cols, eps } = a;
      const n = nRows * cols;
      checkLayerNorm("wasm", a);
      arena.reset();
      const xAt = arena.copyIn(x, 0, n);
      const gAt = arena.copyIn(gamma, 0, cols);
      const bAt = arena.copyIn(beta, 0, cols);
      const meanAt = arena.alloc(nRows * f);
      const rstdAt = arena.alloc(nRows * f);
      rows("layer_norm_rows", nRows, cols, (r0, r1) => [xAt, gAt, bAt, xAt, meanAt, rstdAt, r0, r1, cols, eps]);
      arena.copyOut(xAt, out, 0, n);
      arena.copyOut(meanAt, mean, 0, nRows);
      arena.copyOut(rstdAt, rstd, 0, nRows);
    },

    layerNormBackward(a) {
      const { dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows: nRows, cols } = a;
      const n = nRows * cols;
      checkLayerNormBackward("wasm", a);
      arena.reset();
      const dyAt = arena.copyIn(dy, 0, n);
      const xAt = arena.copyIn(x, 0, n);
      const gAt = arena.copyIn(gamma, 0, cols);
      const meanAt = arena.copyIn(mean, 0, nRows);
      const rstdAt = arena.copyIn(rstd, 0, nRows);
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
          args: [dyAt, xAt, gAt, meanAt, rstdAt, dyAt, dgAt[t], dbAt[t], r0, r1, cols],
        });
      }
      pool.run(tasks);
      arena.copyOut(dyAt, dx, 0, n);
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

    crossEntropy(a) {
      const { logits, rows: nRows, cols } = a;
      const n = nRows * cols;
      need("crossEntropy", "logits", logits, n);
      need("crossEntropy", "rowLoss", a.rowLoss, nRows);
      need("crossEntropy", "logSumExp", a.logSumExp, nRows);
      checkTargets("wasm", a);
      arena.reset();
      const at = arena.copyIn(logits, 0, n);
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
      const at = arena.copyIn(logits, 0, n);
      const tAt = arena.copyInBytes(targets.subarray(0, nRows));
      const lseAt = arena.copyIn(logSumExp, 0, nRows);
      rows("cross_entropy_backward_rows", nRows, cols,
        (r0, r1) => [at, tAt, lseAt, r0, r1, cols, ignoreIndex, labelSmoothing, scale, at]);
      arena.copyOut(at, dLogits, 0, n);
    },

    adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, a: AdamArgs) {
      need("adam", "param", param, n);
      need("adam", "grad", grad, n);
      need("adam", "m", m, n);
      need("adam", "v", v, n);
      arena.reset();
      const pAt = arena.copyIn(param, 0, n);
      const gAt = arena.copyIn(grad, 0, n);
      const mAt = arena.copyIn(m, 0, n);
      const vAt = arena.copyIn(v, 0, n);
      const scalars = adamScalars(a);
      elements("adam", n, (o, len) => [pAt + o * f, gAt + o * f, mAt + o * f, vAt + o * f, len, ...scalars]);
      arena.copyOut(pAt, param, 0, n);
      arena.copyOut(mAt, m, 0, n);
      arena.copyOut(vAt, v, 0, n);
    },
  };
  return { ...kernels, crossEntropyWithGrad: crossEntropyWithGradOf(kernels) };
}
