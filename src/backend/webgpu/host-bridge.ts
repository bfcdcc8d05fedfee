import type {
  AdamArgs, AttendOneArgs, AttentionMask, CopyStridedArgs, CrossEntropyArgs, CrossEntropyBackwardArgs, CrossEntropyWithGradArgs,
  GemmArgs, LayerNormArgs, LayerNormBackwardArgs,
} from "../backend.js";
import {
  checkAttendOne, checkCopyDisjoint, checkLayerNorm, checkLayerNormBackward, checkMeanPool, checkTargets, copyStridedSpans,
} from "../kernel-args.js";
import { encodeAdam } from "./kernels/adam.js";
import { encodeArgmaxRows } from "./kernels/argmax.js";
import { encodeCopyStrided } from "./kernels/copy-strided.js";
import { encodeAdd, encodeAddTiled, encodeFill, encodeScale, encodeTile } from "./kernels/elementwise.js";
import { encodeLogSoftmax } from "./kernels/log-softmax.js";
import { encodeMaskedMeanPool, encodeMaskedMeanPoolBackward } from "./kernels/mean-pool.js";
import { encodeBackward, encodeUnary, type BackwardName, type UnaryName } from "./kernels/activations.js";
import { encodeAttendOne } from "./kernels/attend-one.js";
import { encodeAddColumnSums } from "./kernels/column-sums.js";
import { encodeCrossEntropy, encodeCrossEntropyBackward, encodeCrossEntropyWithGrad } from "./kernels/cross-entropy.js";
import { encodeDropout, encodeMaskScale } from "./kernels/dropout.js";
import { encodeEmbedding, encodeEmbeddingBackward } from "./kernels/embedding.js";
import { encodeGemm } from "./kernels/gemm.js";
import { encodeLayerNorm, encodeLayerNormBackward } from "./kernels/layer-norm.js";
import { encodeMaskedSoftmax, encodeSoftmax, encodeSoftmaxBackward } from "./kernels/softmax.js";
import type { GpuRuntime, GpuTensor } from "./runtime.js";

type HostArray = Float32Array | Int32Array | Uint32Array | Uint8Array;

/**
 * A TEST BRIDGE, not a backend: every kernel of the Backend interface with Backend's own arguments (host arrays),
 * made async — it uploads the arrays, encodes the kernel, reads the outputs back into the caller's arrays and
 * frees the GPU tensors. It exists so that each WGSL kernel can be checked against the reference (src/backend/js)
 * with the same arguments; a model on the GPU keeps its tensors there and calls the encode* functions instead.
 */
export class WebGpuHostBridge {
  readonly name = "webgpu (host bridge)";

  constructor(readonly rt: GpuRuntime) {}

  async gemm(args: GemmArgs): Promise<void> {
    const [a, b, c] = this.up(args.a, args.b, args.c);
    encodeGemm(this.rt, { ...args, a, b, c });
    await this.down([c, args.c]);
    this.free(a, b, c);
  }

  async softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, scale: number): Promise<void> {
    const [tx] = this.up(x);
    encodeSoftmax(this.rt, tx, tx, rows, cols, scale);
    await this.down([tx, out]);
    this.free(tx);
  }

  async maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number): Promise<void> {
    const [s] = this.up(scores);
    const pad = mask.keyPad ? this.up(mask.keyPad)[0] : null;
    encodeMaskedSoftmax(this.rt, s, s, mask, pad, scale);
    await this.down([s, out]);
    this.free(s, ...(pad ? [pad] : []));
  }

  async attendOne(args: AttendOneArgs): Promise<void> {
    checkAttendOne("webgpu", args);
    const [q, k, v] = this.up(args.q, args.k, args.v);
    const pad = args.keyPad ? this.up(args.keyPad)[0] : null;
    const out = this.rt.alloc(args.out.length), weights = this.rt.alloc(args.weights.length);
    encodeAttendOne(this.rt, { ...args, q, k, v, keyPad: pad, out, weights });
    await this.down([out, args.out], [weights, args.weights]);
    this.free(q, k, v, out, weights, ...(pad ? [pad] : []));
  }

  async softmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, scale: number): Promise<void> {
    const [ty, tdy] = this.up(y, dy);
    encodeSoftmaxBackward(this.rt, ty, tdy, tdy, rows, cols, scale);
    await this.down([tdy, dx]);
    this.free(ty, tdy);
  }

  async layerNorm(a: LayerNormArgs): Promise<void> {
    checkLayerNorm("webgpu", a);
    const [x, gamma, beta] = this.up(a.x, a.gamma, a.beta);
    const out = this.rt.alloc(a.rows * a.cols), mean = this.rt.alloc(a.rows), rstd = this.rt.alloc(a.rows);
    encodeLayerNorm(this.rt, { ...a, x, gamma, beta, out, mean, rstd });
    await this.down([out, a.out], [mean, a.mean], [rstd, a.rstd]);
    this.free(x, gamma, beta, out, mean, rstd);
  }

  async layerNormBackward(a: LayerNormBackwardArgs): Promise<void> {
    checkLayerNormBackward("webgpu", a);
    const [dy, x, gamma, mean, rstd, dGamma, dBeta] = this.up(a.dy, a.x, a.gamma, a.mean, a.rstd, a.dGamma, a.dBeta);
    const dx = this.rt.alloc(a.rows * a.cols);
    encodeLayerNormBackward(this.rt, { ...a, dy, x, gamma, mean, rstd, dx, dGamma, dBeta });
    await this.down([dx, a.dx], [dGamma, a.dGamma], [dBeta, a.dBeta]);
    this.free(dy, x, gamma, mean, rstd, dGamma, dBeta, dx);
  }

  relu(x: Float32Array, out: Float32Array, n: number): Promise<void> { return this.unary("relu", x, out, n); }
  gelu(x: Float32Array, out: Float32Array, n: number): Promise<void> { return this.unary("gelu", x, out, n); }
  geluTanh(x: Float32Array, out: Float32Array, n: number): Promise<void> { return this.unary("geluTanh", x, out, n); }
  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): Promise<void> { return this.backward("reluBackward", x, dy, dx, n); }
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): Promise<void> { return this.backward("geluBackward", x, dy, dx, n); }
  geluTanhBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): Promise<void> {
    return this.backward("geluTanhBackward", x, dy, dx, n);
  }

  tanh(x: Float32Array, out: Float32Array, n: number): Promise<void> { return this.unary("tanh", x, out, n); }
  tanhBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n: number): Promise<void> { return this.backward("tanhBackward", y, dy, dx, n); }

  async dropout(x: Float32Array, out: Float32Array, keep: Uint8Array, n: number, p: number, key: Uint32Array): Promise<void> {
    const [tx] = this.up(x.subarray(0, n));
    const tk = this.rt.alloc(Math.ceil(n / 4));
    encodeDropout(this.rt, tx, tx, tk, n, p, key);
    await this.down([tx, out]);
    keep.set(new Uint8Array(await this.rt.read(tk)).subarray(0, n));
    this.free(tx, tk);
  }

  async maskScale(x: Float32Array, keep: Uint8Array, scale: number, out: Float32Array, n: number): Promise<void> {
    const [tx, tk] = this.up(x.subarray(0, n), keep.subarray(0, n));
    encodeMaskScale(this.rt, tx, tk, scale, tx, n);
    await this.down([tx, out]);
    this.free(tx, tk);
  }

  async addColumnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): Promise<void> {
    const [tx, to] = this.up(x, out);
    encodeAddColumnSums(this.rt, tx, rows, cols, to);
    await this.down([to, out]);
    this.free(tx, to);
  }

  async embedding(table: Float32Array, ids: Int32Array, dim: number, out: Float32Array): Promise<void> {
    checkIds(ids, table.length / dim);
    const [tt, ti] = this.up(table, ids);
    const to = this.rt.alloc(ids.length * dim);
    encodeEmbedding(this.rt, tt, ti, ids.length, dim, to);
    await this.down([to, out]);
    this.free(tt, ti, to);
  }

  async embeddingBackward(dOut: Float32Array, ids: Int32Array, dim: number, dTable: Float32Array): Promise<void> {
    checkIds(ids, dTable.length / dim);
    const [td, ti, tt] = this.up(dOut, ids, dTable);
    encodeEmbeddingBackward(this.rt, td, ti, ids.length, dim, tt);
    await this.down([tt, dTable]);
    this.free(td, ti, tt);
  }

  async crossEntropy(a: CrossEntropyArgs): Promise<number> {
    checkTargets("webgpu", a); // the GPU's status word says the same; the reference throws before any output
    const [logits, targets] = this.up(a.logits, a.targets);
    const rowLoss = this.rt.alloc(a.rows), logSumExp = this.rt.alloc(a.rows), status = this.rt.alloc(2);
    encodeCrossEntropy(this.rt, { ...a, logits, targets, rowLoss, logSumExp, status });
    await this.down([rowLoss, a.rowLoss], [logSumExp, a.logSumExp]);
    const count = await this.status(status, a);
    this.free(logits, targets, rowLoss, logSumExp, status);
    return count;
  }

  async crossEntropyBackward(a: CrossEntropyBackwardArgs): Promise<void> {
    checkTargets("webgpu", a);
    const [logits, targets, logSumExp] = this.up(a.logits, a.targets, a.logSumExp);
    const dLogits = this.rt.alloc(a.rows * a.cols);
    encodeCrossEntropyBackward(this.rt, { ...a, logits, targets, logSumExp, dLogits });
    await this.down([dLogits, a.dLogits]);
    this.free(logits, targets, logSumExp, dLogits);
  }

  async crossEntropyWithGrad(a: CrossEntropyWithGradArgs): Promise<number> {
    checkTargets("webgpu", a);
    const [logits, targets] = this.up(a.logits, a.targets);
    const rowLoss = this.rt.alloc(a.rows), logSumExp = this.rt.alloc(a.rows), status = this.rt.alloc(2);
    encodeCrossEntropyWithGrad(this.rt, { ...a, logits, targets, rowLoss, logSumExp, status, dLogits: logits });
    await this.down([rowLoss, a.rowLoss], [logSumExp, a.logSumExp], [logits, a.dLogits]);
    const count = await this.status(status, a);
    this.free(logits, targets, rowLoss, logSumExp, status);
    return count;
  }

  async adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, args: AdamArgs): Promise<void> {
    const [tp, tg, tm, tv] = this.up(param.subarray(0, n), grad.subarray(0, n), m.subarray(0, n), v.subarray(0, n));
    encodeAdam(this.rt, tp, tg, tm, tv, n, args);
    await this.down([tp, param], [tm, m], [tv, v]);
    this.free(tp, tg, tm, tv);
  }

  // The tensor layer's kernels. Outputs alias inputs on the GPU exactly when they do in the caller's arguments, so
  // both binding plans (one buffer for out and x, or two) are exercised. The encode functions check the arguments
  // after the uploads, so the tensors are freed in `finally`: a refused call leaves the pool as it was.

  async add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): Promise<void> {
    const [ta, tb] = this.up(a.subarray(0, n), b.subarray(0, n));
    const to = out === a ? ta : out === b ? tb : this.rt.alloc(Math.min(n, out.length));
    await this.run([ta, tb, to], async () => {
      encodeAdd(this.rt, ta, tb, to, n);
      await this.down([to, out.subarray(0, n)]);
    });
  }

  async addTiled(x: Float32Array, tile: Float32Array, out: Float32Array, n: number, period: number): Promise<void> {
    const [tx, tt] = this.up(x.subarray(0, n), tile.subarray(0, period));
    const to = out === x ? tx : this.rt.alloc(Math.min(n, out.length));
    await this.run([tx, tt, to], async () => {
      encodeAddTiled(this.rt, tx, tt, to, n, period);
      await this.down([to, out.subarray(0, n)]);
    });
  }

  async tile(src: Float32Array, period: number, out: Float32Array, n: number): Promise<void> {
    const [ts] = this.up(src.subarray(0, period));
    const to = this.rt.alloc(Math.min(n, out.length));
    await this.run([ts, to], async () => {
      encodeTile(this.rt, ts, period, to, n);
      await this.down([to, out.subarray(0, n)]);
    });
  }

  async scale(x: Float32Array, s: number, out: Float32Array, n: number): Promise<void> {
    const [tx] = this.up(x.subarray(0, n));
    const to = out === x ? tx : this.rt.alloc(Math.min(n, out.length));
    await this.run([tx, to], async () => {
      encodeScale(this.rt, tx, s, to, n);
      await this.down([to, out.subarray(0, n)]);
    });
  }

  async fill(out: Float32Array, value: number, n: number): Promise<void> {
    const to = this.rt.alloc(Math.min(n, out.length));
    await this.run([to], async () => {
      encodeFill(this.rt, to, value, n);
      await this.down([to, out.subarray(0, n)]);
    });
  }

  async copyStrided(a: CopyStridedArgs): Promise<void> {
    // the host arrays' own overlap, which uploading into separate buffers would hide
    const spans = copyStridedSpans(a, a.src.length, a.dst.length);
    if (spans === null) return;
    if (a.src.buffer === a.dst.buffer) checkCopyDisjoint(spans, a.src.byteOffset / 4, a.dst.byteOffset / 4);
    const [src, dst] = this.up(a.src, a.dst); // dst too: the elements the copy does not write stay as they were
    await this.run([src, dst], async () => {
      encodeCopyStrided(this.rt, { ...a, src, dst });
      await this.down([dst, a.dst]);
    });
  }

  async argmaxRows(x: Float32Array, rows: number, cols: number, out: Int32Array): Promise<void> {
    const [tx] = this.up(x.subarray(0, rows * cols));
    const to = this.rt.alloc(Math.min(rows, out.length));
    await this.run([tx, to], async () => {
      encodeArgmaxRows(this.rt, tx, rows, cols, to);
      out.set((await this.rt.readI32(to)).subarray(0, rows));
    });
  }

  async logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): Promise<void> {
    const n = rows * cols;
    const [tx] = this.up(x.subarray(0, n));
    const to = out === x ? tx : this.rt.alloc(Math.min(n, out.length));
    await this.run([tx, to], async () => {
      encodeLogSoftmax(this.rt, tx, to, rows, cols);
      await this.down([to, out.subarray(0, n)]);
    });
  }

  async maskedMeanPool(x: Float32Array, keyPad: Uint8Array | null, out: Float32Array, batch: number, T: number, d: number): Promise<void> {
    checkMeanPool("maskedMeanPool", ["x", x], ["out", out], keyPad, batch, T, d);
    const [tx] = this.up(x.subarray(0, batch * T * d));
    const pad = keyPad ? this.up(keyPad.subarray(0, batch * T))[0] : null;
    const to = this.rt.alloc(batch * d);
    await this.run([tx, to, ...(pad ? [pad] : [])], async () => {
      encodeMaskedMeanPool(this.rt, tx, pad, to, batch, T, d);
      await this.down([to, out.subarray(0, batch * d)]);
    });
  }

  async maskedMeanPoolBackward(dOut: Float32Array, keyPad: Uint8Array | null, dx: Float32Array, batch: number, T: number, d: number): Promise<void> {
    checkMeanPool("maskedMeanPoolBackward", ["dx", dx], ["dOut", dOut], keyPad, batch, T, d);
    const [td, tdx] = this.up(dOut.subarray(0, batch * d), dx.subarray(0, batch * T * d));
    const pad = keyPad ? this.up(keyPad.subarray(0, batch * T))[0] : null;
    await this.run([td, tdx, ...(pad ? [pad] : [])], async () => {
      encodeMaskedMeanPoolBackward(this.rt, td, pad, tdx, batch, T, d);
      await this.down([tdx, dx.subarray(0, batch * T * d)]);
    });
  }

  private async unary(op: UnaryName, x: Float32Array, out: Float32Array, n: number): Promise<void> {
    const [tx] = this.up(x.subarray(0, n));
    encodeUnary(this.rt, op, tx, tx, n);
    await this.down([tx, out]);
    this.free(tx);
  }

  private async backward(op: BackwardName, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): Promise<void> {
    const [tx, tdy] = this.up(x.subarray(0, n), dy.subarray(0, n));
    encodeBackward(this.rt, op, tx, tdy, tdy, n);
    await this.down([tdy, dx]);
    this.free(tx, tdy);
  }

  private async status(status: GpuTensor, a: { targets: Int32Array; cols: number }): Promise<number> {
    const [count, bad] = await this.rt.readU32(status);
    if (bad !== 0xffffffff) throw new RangeError(`cross-entropy: target ${a.targets[bad]} in row ${bad} is outside the ${a.cols} classes`);
    return count;
  }

  /** GPU copies of host arrays; a byte mask is packed four to a word (its bytes as they are). */
  private up(...arrays: HostArray[]): GpuTensor[] {
    return arrays.map((x) => {
      if (x instanceof Uint8Array) {
        const words = new Uint32Array(Math.ceil(x.length / 4));
        new Uint8Array(words.buffer).set(x);
        return this.rt.upload(words);
      }
      return this.rt.upload(x);
    });
  }

  /** Reads each GPU tensor into the start of its host array. */
  private async down(...pairs: Array<[GpuTensor, Float32Array]>): Promise<void> {
    for (const [t, host] of pairs) host.set((await this.rt.readF32(t)).subarray(0, host.length));
  }

  /** Runs body, then frees the tensors (each once: an output may be an input) whether or not it threw. */
  private async run(ts: GpuTensor[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } finally {
      this.free(...new Set(ts));
    }
  }

  private free(...ts: GpuTensor[]): void {
    for (const t of ts) this.rt.free(t);
  }
}

function checkIds(ids: Int32Array, vocab: number): void {
  for (let i = 0; i < ids.length; i++) {
    if (!Number.isInteger(ids[i]) || ids[i] < 0 || ids[i] >= vocab) {
      throw new RangeError(`embedding: id ${ids[i]} at position ${i} is outside the ${vocab} rows of the table`);
    }
  }
}
