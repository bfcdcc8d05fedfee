/**
 * The WebGPU kernels (src/backend/webgpu) against the reference kernels (src/backend/js), each called through the
 * host bridge with the reference's own arguments, on odd shapes: the cases and their checks, shared by Node
 * (test/backend/webgpu.test.ts, Dawn from the npm package `webgpu`) and Chromium (test/web/webgpu-kernels.test.ts,
 * navigator.gpu), so both run exactly the same. No Node import here: Chromium loads this file's compiled module.
 *
 * Tolerances follow element-kernels.test.ts: u = 2^-24 times a count of float32 roundings times the size of the
 * terms; WGSL's exp and log are allowed a few more ulps than the vector kernels' (WGSL's accuracy rule for exp is
 * 3 + 2·|x| ulp), stated per case. GEMM is held to (k + 4)·u·(|α|·Σ|a·b| + |β·c|) per element, as the other fast
 * backends; dropout masks, dropout and maskScale outputs, embedding and embeddingBackward must match bit for bit,
 * and so must the tensor layer's add, addTiled, tile, scale, fill, copyStrided and argmaxRows (on inputs without
 * subnormals, which WGSL lets a GPU flush); logSoftmax is held to a bound from WGSL's exp and log accuracy, tanh
 * to one from exp's, maskedMeanPool to its division's.
 */
import type { AdamArgs, AttentionMask, GemmArgs } from "../../src/backend/backend.js";
import { jsBackend as ref } from "../../src/backend/js/index.js";
import { GpuRuntime, view, WebGpuHostBridge } from "../../src/backend/webgpu/index.js";
import { encodeGemm } from "../../src/backend/webgpu/kernels/gemm.js";
import { encodeSoftmax } from "../../src/backend/webgpu/kernels/softmax.js";
import { encodeLayerNorm } from "../../src/backend/webgpu/kernels/layer-norm.js";
import { encodeEmbeddingBackward } from "../../src/backend/webgpu/kernels/embedding.js";
import { encodeAdd, encodeAddTiled, encodeFill, encodeScale, encodeTile } from "../../src/backend/webgpu/kernels/elementwise.js";
import { encodeCopyStrided } from "../../src/backend/webgpu/kernels/copy-strided.js";
import type { GpuTensor } from "../../src/backend/webgpu/runtime.js";
import { copyCases } from "./copy-cases.js";
import {
  assertBitIdentical, assertClose, BATCHED_GEMM_SHAPES, checkEqual, checkRejects, checkSameInts, fail, gemmBuffers, relAbs, rng, U32, uniform,
  type GemmShape,
} from "./checks.js";

export interface KernelCase {
  /** The group the case belongs to (a describe block in Node). */
  suite: string;
  name: string;
  run(): Promise<void>;
}

const SIZES = [1, 3, 17, 65, 130];

async function checkGemm(gpu: WebGpuHostBridge, shape: GemmShape, seed: number, fillC?: number): Promise<void> {
  const r = rng(seed);
  const { a, b, c } = gemmBuffers(shape as GemmArgs, r);
  if (fillC !== undefined) c.fill(fillC);
  const expected = c.slice();
  ref.gemm({ ...shape, a, b, c: expected });
  const actual = c.slice();
  await gpu.gemm({ ...shape, a, b, c: actual });
  const bound = new Float32Array(c.length).fill(-1); // −1: elements the GEMM must leave alone
  const beta = shape.beta ?? 0;
  ref.gemm({ ...shape, a: a.map(Math.abs), b: b.map(Math.abs), c: bound, alpha: Math.abs(shape.alpha ?? 1), beta: 0 });
  const gamma = (shape.k + 4) * U32;
  assertClose(actual, expected, (i) => (bound[i] < 0 ? 0 : gamma * (bound[i] + (beta === 0 ? 0 : Math.abs(beta * c[i])))),
    `gemm ${JSON.stringify(shape)}`);
}

/** Every case, in order, on `rt`; they share its buffer pool, so run them one after another. */
export function webgpuCases(rt: GpuRuntime): KernelCase[] {
  const gpu = new WebGpuHostBridge(rt);
  const kernels: Array<Omit<KernelCase, "suite">> = [
    { name: "reports its adapter: named, and a software one (SwiftShader) as such", run: async () => {
      const a = rt.adapter;
      checkEqual(typeof a.vendor, "string", "adapter vendor");
      if (/swiftshader/i.test(a.architecture + a.description)) checkEqual(a.software, true, `adapter ${JSON.stringify(a)} is software`);
    } },

    { name: "gemm: sizes 1, 3, 17, 65, 130, every transpose, alpha and beta", run: async () => {
      let seed = 1;
      // each size as m, n and k against the others, and every (transA, transB) pair along the way
      for (let i = 0; i < SIZES.length; i++) {
        for (const [dn, dk] of [[2, 3], [4, 1]]) {
          const m = SIZES[i], n = SIZES[(i + dn) % 5], k = SIZES[(i + dk) % 5];
          const transA = seed % 2 === 0, transB = seed % 4 < 2;
          await checkGemm(gpu, { m, n, k, transA, transB, alpha: seed % 3 === 0 ? 0.5 : 1, beta: seed % 5 === 0 ? -0.75 : 0 }, seed++);
        }
      }
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        await checkGemm(gpu, { m: 65, n: 130, k: 130, transA, transB }, seed++); // vec4 loads along every stored row
        await checkGemm(gpu, { m: 17, n: 65, k: 17, transA, transB, lda: 19 + 2 * +transA * 65, ldb: 131, ldc: 67, aOffset: 3, bOffset: 1, cOffset: 5 }, seed++);
      }
    } },

    { name: "gemm: batches with offsets, leading dimensions and strides (the other backends' shapes)", run: async () => {
      let seed = 100;
      for (const shape of BATCHED_GEMM_SHAPES) await checkGemm(gpu, shape, seed++);
    } },

    { name: "gemm: beta = 0 ignores NaN in C; beta ≠ 0 propagates it", run: async () => {
      await checkGemm(gpu, { m: 17, n: 9, k: 5, beta: 0 }, 200, NaN);
      await checkGemm(gpu, { m: 3, n: 4, k: 2, beta: 1 }, 201, NaN);
    } },

    { name: "gemm: A and B as views of one buffer (q·kᵀ from a fused projection), results the same each run", run: async () => {
      const T = 17, d = 24;
      const qkv = uniform(rng(300), T * 3 * d);
      const expected = new Float32Array(T * T);
      ref.gemm({ m: T, n: T, k: d, transB: true, a: qkv, b: qkv, c: expected, bOffset: d, lda: 3 * d, ldb: 3 * d });
      const t = rt.upload(qkv);
      const c = rt.alloc(T * T);
      const runs: Float32Array[] = [];
      for (let i = 0; i < 2; i++) {
        encodeGemm(rt, { m: T, n: T, k: d, transB: true, a: view(t, 0, T * 3 * d), b: view(t, d, T * 3 * d - d), c, lda: 3 * d, ldb: 3 * d });
        runs.push(await rt.readF32(c));
      }
      rt.free(t); rt.free(c);
      assertClose(runs[0], expected, relAbs(0, (d + 4) * U32 * d), "q·kᵀ");
      assertBitIdentical(runs[0], runs[1], "gemm run to run");
    } },

    { name: "softmax and maskedSoftmax: padding, causal, queryOffset, fully masked rows", run: async () => {
      let seed = 10;
      for (const [rows, cols] of [[1, 1], [3, 17], [17, 65], [5, 130], [2, 1001]] as Array<[number, number]>) {
        const x = uniform(rng(seed++), rows * cols, -5, 5);
        const e = new Float32Array(x.length), a = new Float32Array(x.length).fill(NaN);
        ref.softmax(x, e, rows, cols, 0.7);
        await gpu.softmax(x, a, rows, cols, 0.7);
        // the row sum (cols·u), and exp of an argument up to 7 at WGSL's 3 + 2·|x| ulp
        assertClose(a, e, relAbs((cols + 48) * U32, 1e-30), `softmax ${rows}×${cols}`);
      }
      for (const [batch, heads, queries, keys] of [[2, 3, 5, 7], [1, 1, 1, 1], [3, 2, 4, 9], [2, 2, 17, 65]]) {
        const r = rng(seed++);
        const keyPad = new Uint8Array(batch * keys);
        for (let s = 0; s < keys; s++) keyPad[s] = s >= keys - 2 ? 1 : 0;
        if (batch > 1) keyPad.fill(1, keys, 2 * keys); // sentence 1: every key is padding
        if (batch > 2) keyPad[2 * keys] = 1; // sentence 2: causal query 0 sees nothing
        for (const extra of [{}, { keyPad }, { causal: true }, { causal: true, queryOffset: keys - queries }, { keyPad, causal: true, queryOffset: 2 }] as Array<Partial<AttentionMask>>) {
          const mask: AttentionMask = { batch, heads, queries, keys, ...extra };
          const x = uniform(r, batch * heads * queries * keys, -4, 4);
          const e = new Float32Array(x.length), a = new Float32Array(x.length).fill(NaN);
          ref.maskedSoftmax(x, e, mask, 0.5);
          await gpu.maskedSoftmax(x, a, mask, 0.5);
          assertClose(a, e, relAbs((keys + 48) * U32, 0), `maskedSoftmax ${[batch, heads, queries, keys]} ${JSON.stringify({ ...extra, keyPad: !!extra.keyPad })}`);
        }
      }
    } },

    { name: "softmaxBackward", run: async () => {
      let seed = 20;
      for (const [rows, cols] of [[1, 1], [3, 17], [17, 65], [4, 130]] as Array<[number, number]>) {
        const r = rng(seed++);
        const y = new Float32Array(rows * cols);
        ref.softmax(uniform(r, rows * cols, -3, 3), y, rows, cols, 1);
        const dy = uniform(r, rows * cols);
        const e = new Float32Array(y.length), a = new Float32Array(y.length);
        ref.softmaxBackward(y, dy, e, rows, cols, 0.125);
        await gpu.softmaxBackward(y, dy, a, rows, cols, 0.125);
        assertClose(a, e, (i) => {
          const row = Math.floor(i / cols);
          let dot = 0;
          for (let j = 0; j < cols; j++) dot += Math.abs(dy[row * cols + j] * y[row * cols + j]);
          return (cols + 16) * U32 * 0.125 * y[i] * (Math.abs(dy[i]) + dot);
        }, `softmaxBackward ${rows}×${cols}`);
      }
    } },

    { name: "layerNorm and layerNormBackward", run: async () => {
      let seed = 30;
      for (const [rows, cols] of [[1, 1], [3, 17], [17, 65], [130, 3]] as Array<[number, number]>) {
        const r = rng(seed++);
        const x = uniform(r, rows * cols, -2, 3), gamma = uniform(r, cols, 0.5, 1.5), beta = uniform(r, cols, -0.5, 0.5);
        const e = { out: new Float32Array(x.length), mean: new Float32Array(rows), rstd: new Float32Array(rows) };
        const a = { out: new Float32Array(x.length), mean: new Float32Array(rows), rstd: new Float32Array(rows) };
        ref.layerNorm({ x, gamma, beta, ...e, rows, cols, eps: 1e-5 });
        await gpu.layerNorm({ x, gamma, beta, ...a, rows, cols, eps: 1e-5 });
        const g = (cols + 16) * U32;
        assertClose(a.mean, e.mean, relAbs(0, g * 3), "layerNorm mean");
        assertClose(a.rstd, e.rstd, relAbs(g, 0), "layerNorm rstd");
        assertClose(a.out, e.out, (i) => g * (Math.abs(gamma[i % cols]) * e.rstd[Math.floor(i / cols)] * (Math.abs(x[i]) + 3) + 0.5), `layerNorm ${rows}×${cols}`);

        const dy = uniform(r, rows * cols), dGamma0 = uniform(r, cols), dBeta0 = uniform(r, cols);
        const eb = { dx: new Float32Array(x.length), dGamma: dGamma0.slice(), dBeta: dBeta0.slice() };
        const ab = { dx: new Float32Array(x.length), dGamma: dGamma0.slice(), dBeta: dBeta0.slice() };
        ref.layerNormBackward({ dy, x, gamma, mean: e.mean, rstd: e.rstd, ...eb, rows, cols });
        await gpu.layerNormBackward({ dy, x, gamma, mean: e.mean, rstd: e.rstd, ...ab, rows, cols });
        // the terms: |dy·gamma| ≤ 1.5 and |x̂| ≤ √cols, so each of dx's three terms is at most 1.5·√cols·rstd
        assertClose(ab.dx, eb.dx, (i) => g * e.rstd[Math.floor(i / cols)] * 4.5 * (1 + Math.sqrt(cols)), `layerNormBackward dx ${rows}×${cols}`);
        const gr = (rows + 8) * U32;
        assertClose(ab.dGamma, eb.dGamma, relAbs(0, gr * 2 * (1 + rows * Math.sqrt(cols))), "layerNormBackward dGamma");
        assertClose(ab.dBeta, eb.dBeta, relAbs(0, gr * (1 + rows)), "layerNormBackward dBeta");
      }
    } },

    { name: "relu, gelu and geluTanh, forward and backward", run: async () => {
      let seed = 40;
      for (const n of [1, 3, 17, 65, 1003]) {
        const r = rng(seed++);
        const x = uniform(r, n, -10, 10), dy = uniform(r, n);
        if (n > 8) x.set([0, -0, 1e-30, -1e-30, 30, -30, 8.5, -8.5]);
        const e = new Float32Array(n), a = new Float32Array(n);
        ref.relu(x, e, n); await gpu.relu(x, a, n);
        assertBitIdentical(a.map((z) => z + 0), e.map((z) => z + 0), `relu ${n}`);
        ref.reluBackward(x, dy, e, n); await gpu.reluBackward(x, dy, a, n);
        assertBitIdentical(a.map((z) => z + 0), e.map((z) => z + 0), `reluBackward ${n}`);
        // exact GELU: the erfc fit (1.2e-7) and exp's argument (x²/2 at 3 + x² ulp): relative (24 + x²)·u
        const rel = (xi: number): number => (24 + xi * xi) * U32;
        ref.gelu(x, e, n); await gpu.gelu(x, a, n);
        assertClose(a, e, (i, ex) => rel(x[i]) * Math.abs(ex) + 1e-12, `gelu ${n}`);
        ref.geluBackward(x, dy, e, n); await gpu.geluBackward(x, dy, a, n);
        assertClose(a, e, (i) => rel(x[i]) * Math.abs(dy[i]) * 1.2 + 1e-12, `geluBackward ${n}`);
        // tanh form: WGSL's tanh is allowed its sinh/cosh's error; the results are near x or 0, so 1e-6 of |x| plus 1e-6
        ref.geluTanh(x, e, n); await gpu.geluTanh(x, a, n);
        assertClose(a, e, (i) => 1e-6 * (Math.abs(x[i]) + 1), `geluTanh ${n}`);
        ref.geluTanhBackward(x, dy, e, n); await gpu.geluTanhBackward(x, dy, a, n);
        assertClose(a, e, (i) => 1e-6 * Math.abs(dy[i]) * (Math.abs(x[i]) + 1), `geluTanhBackward ${n}`);
      }
    } },

    { name: "dropout: the reference's mask bits and outputs from the same key; maskScale bit for bit", run: async () => {
      for (const n of [1, 3, 17, 65, 130, 40_001]) {
        for (const p of [0.1, 0.5, 0.9]) {
          const x = uniform(rng(n), n, -3, 3);
          const key = Uint32Array.from([0x9abcdef0 + n, 0x87654321]);
          const e = { out: new Float32Array(n), keep: new Uint8Array(n) };
          const a = { out: new Float32Array(n).fill(NaN), keep: new Uint8Array(n).fill(7) };
          ref.dropout(x, e.out, e.keep, n, p, key);
          await gpu.dropout(x, a.out, a.keep, n, p, key);
          checkSameInts(a.keep, e.keep, `dropout mask n ${n} p ${p}`);
          assertBitIdentical(a.out, e.out, `dropout n ${n} p ${p}`);
          const dy = uniform(rng(n + 1), n);
          const dxE = new Float32Array(n), dxA = new Float32Array(n);
          for (const scale of [1 / (1 - p), 0.3]) {
            ref.maskScale(dy, e.keep, scale, dxE, n);
            await gpu.maskScale(dy, e.keep, scale, dxA, n);
            assertBitIdentical(dxA, dxE, `maskScale n ${n} scale ${scale}`);
          }
        }
      }
    } },

    { name: "addColumnSums adds each column's sum, rows in order", run: async () => {
      for (const [rows, cols] of [[1, 1], [3, 17], [65, 130], [2048, 37]] as Array<[number, number]>) {
        const x = uniform(rng(rows * cols), rows * cols, -2, 2);
        const start = uniform(rng(cols), cols);
        const e = start.slice(), a = start.slice();
        ref.addColumnSums(x, rows, cols, e);
        await gpu.addColumnSums(x, rows, cols, a);
        assertClose(a, e, relAbs(4 * U32, 4 * U32 * rows), `addColumnSums ${rows}×${cols}`);
      }
    } },

    { name: "embedding and embeddingBackward, repeated ids accumulating in order: bit for bit", run: async () => {
      for (const [vocab, dim, n] of [[10, 3, 4], [7, 17, 65], [130, 65, 130]]) {
        const r = rng(vocab * dim);
        const table = uniform(r, vocab * dim);
        const ids = Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 4 : Math.floor(r() * vocab))); // id 4 repeats
        const e = new Float32Array(n * dim), a = new Float32Array(n * dim);
        ref.embedding(table, ids, dim, e);
        await gpu.embedding(table, ids, dim, a);
        assertBitIdentical(a, e, `embedding ${[vocab, dim, n]}`);
        const dOut = uniform(r, n * dim), dt0 = uniform(r, vocab * dim);
        const de = dt0.slice(), da = dt0.slice();
        ref.embeddingBackward(dOut, ids, dim, de);
        await gpu.embeddingBackward(dOut, ids, dim, da);
        assertBitIdentical(da, de, `embeddingBackward ${[vocab, dim, n]}`);
      }
      await checkRejects(gpu.embedding(new Float32Array(6), Int32Array.from([0, 3]), 3, new Float32Array(6)), /embedding: id 3 at position 1 is outside the 2 rows of the table/, "bad input");
    } },

    { name: "crossEntropy, crossEntropyBackward and crossEntropyWithGrad, with label smoothing and ignored rows", run: async () => {
      let seed = 60;
      for (const [rows, cols] of [[1, 1], [3, 17], [17, 65], [9, 1001]] as Array<[number, number]>) {
        for (const smoothing of [0, 0.1]) {
          const r = rng(seed++);
          const logits = uniform(r, rows * cols, -6, 6);
          const targets = Int32Array.from({ length: rows }, (_, i) => (i % 4 === 3 ? -100 : Math.floor(r() * cols)));
          const base = { logits, targets, rows, cols, ignoreIndex: -100, labelSmoothing: smoothing };
          const e = { rowLoss: new Float32Array(rows), logSumExp: new Float32Array(rows) };
          const a = { rowLoss: new Float32Array(rows), logSumExp: new Float32Array(rows) };
          const ce = ref.crossEntropy({ ...base, ...e });
          checkEqual(await gpu.crossEntropy({ ...base, ...a }), ce, "crossEntropy: rows not ignored");
          // Σ exp over cols and Σ logits / cols (cols·u·6), log's few ulps
          const t = (cols + 32) * U32 * 8;
          assertClose(a.logSumExp, e.logSumExp, relAbs(4 * U32, t), `logSumExp ${rows}×${cols}`);
          assertClose(a.rowLoss, e.rowLoss, relAbs(4 * U32, t), `rowLoss ${rows}×${cols}`);
          const scale = 1 / Math.max(ce, 1);
          const de = new Float32Array(logits.length), da = new Float32Array(logits.length);
          ref.crossEntropyBackward({ ...base, logSumExp: e.logSumExp, scale, dLogits: de });
          await gpu.crossEntropyBackward({ ...base, logSumExp: e.logSumExp, scale, dLogits: da });
          // exp(x − lse) with |x − lse| ≤ 12 + log(cols): WGSL's 3 + 2·|z| ulp, then − ε/C and the target's term
          const gradTol = (extra: number) => (i: number): number => {
            const z = logits[i] - e.logSumExp[Math.floor(i / cols)];
            return scale * (Math.exp(z) * (2 * Math.abs(z) + 8 + extra) * U32 + 4 * U32);
          };
          assertClose(da, de, gradTol(0), `crossEntropyBackward ${rows}×${cols}`);
          const f = { rowLoss: new Float32Array(rows), logSumExp: new Float32Array(rows), dLogits: new Float32Array(logits.length) };
          checkEqual(await gpu.crossEntropyWithGrad({ ...base, ...f, scale }), ce, "crossEntropyWithGrad: rows not ignored");
          assertClose(f.logSumExp, e.logSumExp, relAbs(4 * U32, t), `withGrad logSumExp ${rows}×${cols}`);
          assertClose(f.rowLoss, e.rowLoss, relAbs(4 * U32, t), `withGrad rowLoss ${rows}×${cols}`);
          assertClose(f.dLogits, de, gradTol(cols + 32), `withGrad dLogits ${rows}×${cols}`);
        }
      }
      const bad = { logits: new Float32Array(12), targets: Int32Array.from([0, 1, 4]), rows: 3, cols: 4, ignoreIndex: -100, labelSmoothing: 0 };
      await checkRejects(gpu.crossEntropy({ ...bad, rowLoss: new Float32Array(3), logSumExp: new Float32Array(3) }), /target 4 in row 2 is outside the 4 classes/, "bad input");
    } },

    { name: "adam and adamw", run: async () => {
      let seed = 70;
      for (const n of [1, 17, 1003]) {
        for (const decoupled of [false, true]) {
          const r = rng(seed++);
          const param = uniform(r, n), grad = uniform(r, n, -0.1, 0.1), m = uniform(r, n, -0.01, 0.01), v = uniform(r, n, 0, 1e-4);
          const args: AdamArgs = { lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-9, weightDecay: 0.01, decoupled, step: 7 };
          const e = { p: param.slice(), m: m.slice(), v: v.slice() }, a = { p: param.slice(), m: m.slice(), v: v.slice() };
          ref.adam(e.p, grad, e.m, e.v, n, args);
          await gpu.adam(a.p, grad, a.m, a.v, n, args);
          const g = (i: number): number => Math.abs(grad[i]) + 0.01 * Math.abs(param[i]);
          assertClose(a.m, e.m, (i) => 8 * U32 * (Math.abs(m[i]) + g(i)), `adam m ${n}`);
          assertClose(a.v, e.v, (i) => 8 * U32 * (Math.abs(v[i]) + g(i) * g(i)), `adam v ${n}`);
          const bc1 = 1 - 0.9 ** 7, bc2 = Math.sqrt(1 - 0.98 ** 7);
          assertClose(a.p, e.p, (i) => 16 * U32 * (Math.abs(param[i]) + (1e-3 / bc1) * (Math.abs(m[i]) + g(i)) / (Math.sqrt(e.v[i]) / bc2 + 1e-9)),
            `adam param ${n} decoupled ${decoupled}`);
        }
      }
    } },

    { name: "attendOne: heads, strides, padding, a causal cut, a fully masked sentence", run: async () => {
      let seed = 80;
      for (const [B, h, dK, S, limit] of [[1, 1, 1, 1, 1], [2, 3, 5, 7, 7], [3, 2, 4, 9, 6], [2, 2, 17, 65, 65], [2, 4, 19, 5, 0]]) {
        const r = rng(seed++);
        const d = h * dK, cap = S + 3;
        const q = uniform(r, 5 + B * 3 * d, -2, 2), kv = uniform(r, 7 + B * cap * 2 * d, -2, 2);
        const keyPad = new Uint8Array(B * S);
        for (let s = 0; s < S; s++) keyPad[s] = s % 3 === 1 ? 1 : 0;
        if (B > 1) keyPad.fill(1, S, 2 * S);
        for (const pad of [null, keyPad]) {
          const args = {
            batch: B, heads: h, dK, keys: S, limit, scale: 0.6, keyPad: pad, q, qOffset: 5 + d, qStride: 3 * d,
            k: kv, kOffset: 7, kStride: cap * 2 * d, kLd: 2 * d, v: kv, vOffset: 7 + d, vStride: cap * 2 * d, vLd: 2 * d,
          };
          const e = { out: new Float32Array(B * d), weights: new Float32Array(B * h * S) };
          const a = { out: new Float32Array(B * d).fill(NaN), weights: new Float32Array(B * h * S).fill(NaN) };
          ref.attendOne({ ...args, ...e });
          await gpu.attendOne({ ...args, ...a });
          const what = `attendOne ${[B, h, dK, S, limit]} ${pad ? "padded" : ""}`;
          assertClose(a.weights, e.weights, relAbs((S + 48 + 2.4 * dK * dK) * U32, 0), `${what} weights`);
          assertClose(a.out, e.out, relAbs(0, (S + 48 + 2.4 * dK * dK) * 4 * U32), `${what} out`);
        }
      }
    } },

    { name: "add, addTiled, tile, scale, fill: the reference's bits, n not a multiple of 4, out apart or aliasing", run: async () => {
      let seed = 90;
      for (const n of [1, 3, 4, 17, 65, 1003, 40_001]) {
        const r = rng(seed++);
        const a = uniform(r, n, -5, 5), b = uniform(r, n, -5, 5);
        for (const period of [1, 3, 8, 17]) {
          const t = uniform(r, period, -2, 2);
          const e = new Float32Array(n), g = new Float32Array(n).fill(NaN);
          ref.addTiled(a, t, e, n, period); await gpu.addTiled(a, t, g, n, period);
          assertBitIdentical(g, e, `addTiled n ${n} period ${period}`);
          const x = a.slice();
          await gpu.addTiled(x, t, x, n, period);
          assertBitIdentical(x, e, `addTiled in place n ${n} period ${period}`);
          ref.tile(t, period, e, n); await gpu.tile(t, period, g, n);
          assertBitIdentical(g, e, `tile n ${n} period ${period}`);
        }
        const e = new Float32Array(n), g = new Float32Array(n).fill(NaN);
        ref.add(a, b, e, n); await gpu.add(a, b, g, n);
        assertBitIdentical(g, e, `add n ${n}`);
        const a2 = a.slice(), b2 = b.slice();
        await gpu.add(a2, b, a2, n); await gpu.add(a, b2, b2, n);
        assertBitIdentical(a2, e, `add in place over a, n ${n}`);
        assertBitIdentical(b2, e, `add in place over b, n ${n}`);
        // the float64 scale rounded once: √512 and 1/0.9 have long tails, 1.25 and 10 short ones (products halfway)
        for (const sc of [Math.sqrt(512), 1 / 0.9, 1.25, 10, -0.3, 0]) {
          ref.scale(a, sc, e, n); await gpu.scale(a, sc, g, n);
          assertBitIdentical(g, e, `scale n ${n} by ${sc}`);
        }
        const x = a.slice();
        ref.scale(a, 0.7, e, n); await gpu.scale(x, 0.7, x, n);
        assertBitIdentical(x, e, `scale in place n ${n}`);
        // fill moves the value's float32 bits: a subnormal, −0 and NaN come back as they are
        for (const value of [0.1, -0, 1e-40, -Infinity, NaN, 3]) {
          ref.fill(e, value, n); await gpu.fill(g, value, n);
          assertBitIdentical(g, e, `fill n ${n} with ${value}`);
        }
      }
    } },

    { name: "elementwise kernels on views at offsets off multiples of 4 (scalar bindings) and on them (vec4), outside left alone", run: async () => {
      const GUARD = 8;
      // a tensor of `data` placed `at` elements into a buffer whose other elements are a guard value
      const place = (data: Float32Array, at: number): { whole: GpuTensor; t: GpuTensor } => {
        const whole = rt.upload(new Float32Array(at + data.length + GUARD).fill(-12345));
        rt.write(whole, data, at);
        return { whole, t: view(whole, at, data.length) };
      };
      const readPlaced = async (p: { whole: GpuTensor }, at: number, n: number, what: string): Promise<Float32Array> => {
        const all = await rt.readF32(p.whole);
        for (let i = 0; i < all.length; i++) if ((i < at || i >= at + n) && all[i] !== -12345) fail(`${what}: element ${i} outside the tensor changed to ${all[i]}`);
        return all.slice(at, at + n);
      };
      let seed = 95;
      for (const n of [5, 18, 1023]) {
        for (const [oa, ob, oo] of [[0, 0, 0], [3, 1, 2], [4, 8, 1], [1, 4, 4], [2, 2, 2]]) {
          const r = rng(seed++);
          const a = uniform(r, n, -5, 5), b = uniform(r, n, -5, 5), t8 = uniform(r, 8), t5 = uniform(r, 5);
          const what = `n ${n} offsets ${[oa, ob, oo]}`;
          const pa = place(a, oa), pb = place(b, ob), po = place(new Float32Array(n), oo);
          const e = new Float32Array(n);
          ref.add(a, b, e, n);
          encodeAdd(rt, pa.t, pb.t, po.t, n);
          assertBitIdentical(await readPlaced(po, oo, n, `add ${what}`), e, `add ${what}`);
          for (const tile of [t8, t5]) {
            const pt = place(tile, ob);
            ref.addTiled(a, tile, e, n, tile.length);
            encodeAddTiled(rt, pa.t, pt.t, po.t, n, tile.length);
            assertBitIdentical(await readPlaced(po, oo, n, `addTiled ${what}`), e, `addTiled ${what} period ${tile.length}`);
            ref.tile(tile, tile.length, e, n);
            encodeTile(rt, pt.t, tile.length, po.t, n);
            assertBitIdentical(await readPlaced(po, oo, n, `tile ${what}`), e, `tile ${what} period ${tile.length}`);
            rt.free(pt.whole);
          }
          ref.scale(a, Math.sqrt(512), e, n);
          encodeScale(rt, pa.t, Math.sqrt(512), po.t, n);
          assertBitIdentical(await readPlaced(po, oo, n, `scale ${what}`), e, `scale ${what}`);
          ref.fill(e, -0.75, n);
          encodeFill(rt, po.t, -0.75, n);
          assertBitIdentical(await readPlaced(po, oo, n, `fill ${what}`), e, `fill ${what}`);
          // out aliasing x: one view for both, one binding read_write
          ref.add(a, b, e, n);
          encodeAdd(rt, pa.t, pb.t, pa.t, n);
          assertBitIdentical(await readPlaced(pa, oa, n, `add in place ${what}`), e, `add in place ${what}`);
          for (const p of [pa, pb, po]) rt.free(p.whole);
        }
      }
      const small = rt.alloc(3);
      try {
        let threw = "";
        try { encodeAdd(rt, small, small, small, 4); } catch (err) { threw = (err as Error).message; }
        checkEqual(threw, "add: a has 3 elements, needs 4", "encodeAdd on a short tensor");
      } finally {
        rt.free(small);
      }
    } },

    { name: "copyStrided: 4-D transposes, narrow, concat, KV-cache append, broadcast; views of one buffer; refusals", run: async () => {
      let seed = 110;
      for (const c of copyCases()) {
        const src = uniform(rng(seed++), c.srcLen), start = uniform(rng(seed++), c.dstLen);
        const e = start.slice(), g = start.slice();
        ref.copyStrided({ ...c.args, src, dst: e });
        await gpu.copyStrided({ ...c.args, src, dst: g });
        assertBitIdentical(g, e, `copyStrided ${c.what}`);
      }
      // a KV-cache append with src and dst views of one buffer, at tensor offsets off and on multiples of 4
      const [B, cap, d] = [3, 6, 8];
      for (const [srcAt, dstAt] of [[0, 32], [1, 30], [4, 100]]) {
        const host = uniform(rng(seed++), 200 + B * cap * d);
        const e = host.slice();
        const args = { srcOffset: 0, dstOffset: 2 * d, sizes: [B, 1, d], srcStrides: [d, d, 1], dstStrides: [cap * d, d, 1] };
        ref.copyStrided({ ...args, src: e.subarray(srcAt, srcAt + B * d), dst: e.subarray(dstAt + B * d) });
        const t = rt.upload(host);
        encodeCopyStrided(rt, { ...args, src: view(t, srcAt, B * d), dst: view(t, dstAt + B * d, B * cap * d) });
        const got = await rt.readF32(t);
        rt.free(t);
        assertBitIdentical(got, e, `copyStrided within one buffer, src at ${srcAt}, dst at ${dstAt + B * d}`);
      }
      const t = rt.alloc(16);
      try {
        let threw = "";
        try {
          encodeCopyStrided(rt, { src: view(t, 0, 8), dst: view(t, 4, 8), srcOffset: 0, dstOffset: 0, sizes: [8], srcStrides: [1], dstStrides: [1] });
        } catch (err) { threw = (err as Error).message; }
        checkEqual(threw, "copyStrided: src and dst overlap (the elements read and written must be apart)", "overlapping views");
      } finally {
        rt.free(t);
      }
      await checkRejects(gpu.copyStrided({ src: new Float32Array(4), srcOffset: 0, dst: new Float32Array(4), dstOffset: 1, sizes: [4], srcStrides: [1], dstStrides: [1] }),
        /copyStrided: writes dst\[4\], but dst has 4 elements/, "past dst");
    } },

    { name: "argmaxRows: ties, NaN at index 0 and elsewhere, −0, subnormals, −∞, rows longer than a workgroup", run: async () => {
      const special = [
        [1, 3, 3, 2], [NaN, 5, 7], [1, NaN, 0.5], [0.5, NaN, 1], [-0, 0], [0, -0], [-Infinity, -Infinity], [-Infinity, -1e38],
        [1e-45, 0], [0, 1e-45], [-1e-45, -0], [NaN, NaN], [-2, NaN, NaN, -1], [2, 2, 2, 2],
      ];
      for (const row of special) {
        const x = Float32Array.from(row), e = new Int32Array(1), g = new Int32Array(1).fill(-7);
        ref.argmaxRows(x, 1, x.length, e); await gpu.argmaxRows(x, 1, x.length, g);
        checkSameInts(g, e, `argmaxRows ${JSON.stringify(row.map(String))}`);
      }
      let seed = 120;
      for (const [rows, cols] of [[1, 1], [5, 3], [17, 129], [3, 1001], [70, 257], [2, 40_000]] as Array<[number, number]>) {
        const r = rng(seed++);
        // few distinct values: ties everywhere, the first of the maxima may sit in any thread's share; some NaN
        const x = Float32Array.from({ length: rows * cols }, () => (r() < 0.05 ? NaN : Math.floor(r() * 7) - 3));
        if (rows > 2) x[2 * cols] = NaN; // row 2 starts with NaN: index 0 wins
        const e = new Int32Array(rows), g = new Int32Array(rows).fill(-7);
        ref.argmaxRows(x, rows, cols, e); await gpu.argmaxRows(x, rows, cols, g);
        checkSameInts(g, e, `argmaxRows ${rows}×${cols} with ties`);
        const u = uniform(r, rows * cols, -1e30, 1e30);
        ref.argmaxRows(u, rows, cols, e); await gpu.argmaxRows(u, rows, cols, g);
        checkSameInts(g, e, `argmaxRows ${rows}×${cols} distinct`);
      }
      await checkRejects(gpu.argmaxRows(new Float32Array(0), 2, 0, new Int32Array(2)), /argmaxRows: cols must be ≥ 1/, "empty rows");
    } },

    { name: "logSoftmax: large and negative values, −∞ entries, out aliasing x, within WGSL's exp and log accuracy", run: async () => {
      // Error bound, with u = 2^-24: WGSL's exp is within (3 + 2|z|) ulp and the sum of `cols` exps in a fixed tree
      // adds cols·u, so Σ is within (2·cols + 10)·u relative (|z|·e^z ≤ 1/e per term, Σ ≥ 1); log is within 2^-21
      // absolute on [0.5, 2] and 3 ulp elsewhere (log Σ ≤ log cols); then lse and out are each rounded once.
      // Measured on SwiftShader in Node: max |diff| 7.6e-6 (2×50000 on [−30, 30]: 2 ulp of outputs near −60), the
      // largest diff/bound 0.27 (17×65 on [−30, 30]: 1 ulp of an output near −50); 21 of the 25 shape and range
      // pairs equal, the large values all of them (there lse's own float32 rounding swamps exp's and log's).
      let seed = 130;
      for (const [rows, cols] of [[1, 1], [3, 17], [17, 65], [5, 1001], [2, 50_000]] as Array<[number, number]>) {
        for (const [lo, hi] of [[-5, 5], [-30, 30], [9970, 10030], [-20030, -19970], [-1e4, 1e4]]) {
          const r = rng(seed++);
          const x = uniform(r, rows * cols, lo, hi);
          if (cols > 2) { x[1] = -Infinity; x[x.length - 1] = -Infinity; } // masked tokens
          const e = new Float32Array(x.length), g = new Float32Array(x.length).fill(NaN);
          ref.logSoftmax(x, e, rows, cols);
          await gpu.logSoftmax(x, g, rows, cols);
          const tol = (i: number): number => {
            const lse = x[i] - e[i];
            return 2 ** -21 + (2 * cols + 10 + 6 * Math.log(cols + 1)) * U32 + 2 * U32 * (Math.abs(lse) + Math.abs(x[i]));
          };
          assertClose(g, e, tol, `logSoftmax ${rows}×${cols} on [${lo}, ${hi}]`);
          const y = x.slice();
          await gpu.logSoftmax(y, y, rows, cols);
          assertBitIdentical(y, g, `logSoftmax in place ${rows}×${cols}`);
        }
      }
    } },

    { name: "tanh and tanhBackward: ±0, tiny, large and clamped values, y near ±1", run: async () => {
      // The kernel's two branches (activations.ts): below |x| = 0.55 a series, a few roundings of x: 6u relative.
      // Above, 1 − d with d = 2/(e + 1), e = exp(2|x|) at WGSL's 3 + 4|x| ulp (|x| clamped at 10), then e + 1 and the
      // division (2.5 ulp): d within (12 + 8|x|)·u relative, plus 1 − d's rounding and the reference's: 2u of |t|.
      // The backward g·(1 − y)(1 + y) rounds four times where the reference rounds once: 6u relative.
      let seed = 140;
      for (const n of [1, 3, 17, 65, 1003]) {
        const r = rng(seed++);
        const dy = uniform(r, n);
        for (const range of [12, 1, 0.01]) {
          const x = uniform(r, n, -range, range);
          if (n > 16) x.set([0, -0, 1e-30, -1e-7, 0.01, 10, -30, 0.5499999, 0.55, -0.55, 5e-4]);
          const e = new Float32Array(n), a = new Float32Array(n).fill(NaN);
          ref.tanh(x, e, n); await gpu.tanh(x, a, n);
          assertClose(a, e, (i, t) => {
            const ax = Math.abs(x[i]);
            return ax < 0.55 ? 6 * U32 * Math.abs(t) : U32 * (2 * Math.abs(t) + (12 + 8 * Math.min(ax, 10)) * (1 - Math.abs(t)));
          }, `tanh ${n} on ±${range}`);
        }
        const e = new Float32Array(n), a = new Float32Array(n).fill(NaN);
        const y = uniform(r, n, -1, 1);
        if (n > 8) y.set([1, -1, 0, -0, 0.99999994, -0.99999994, 0.5, 1e-20]);
        ref.tanhBackward(y, dy, e, n); await gpu.tanhBackward(y, dy, a, n);
        assertClose(a, e, relAbs(6 * U32, 1e-37), `tanhBackward ${n}`);
      }
    } },

    { name: "maskedMeanPool and its backward: padding, none, all-padding sentences, d across workgroups", run: async () => {
      // The forward's sums are the reference's, addition by addition; WGSL's division is within 2.5 ulp (5u).
      // The backward's 1/count (5u) and product and sum roundings against the reference's one: 7u of the term
      // dOut/count, 2u of the result.
      let seed = 150;
      for (const [B, T, d] of [[1, 1, 1], [2, 3, 5], [3, 17, 65], [4, 130, 3], [2, 7, 300]]) {
        const r = rng(seed++);
        const x = uniform(r, B * T * d, -3, 3), dOut = uniform(r, B * d), dx0 = uniform(r, B * T * d);
        const pad = Uint8Array.from({ length: B * T }, (_, i) => (B > 1 && Math.floor(i / T) === 1 ? 1 : +(r() < 0.3)));
        for (const keyPad of [pad, null]) {
          const what = `maskedMeanPool ${[B, T, d]}${keyPad ? " padded" : ""}`;
          const e = new Float32Array(B * d), a = new Float32Array(B * d).fill(NaN);
          ref.maskedMeanPool(x, keyPad, e, B, T, d);
          await gpu.maskedMeanPool(x, keyPad, a, B, T, d);
          assertClose(a, e, relAbs(6 * U32, 0), what);
          const count = (b: number): number => {
            let c = 0;
            for (let t = 0; t < T; t++) if (!keyPad?.[b * T + t]) c++;
            return c;
          };
          const de = dx0.slice(), da = dx0.slice();
          ref.maskedMeanPoolBackward(dOut, keyPad, de, B, T, d);
          await gpu.maskedMeanPoolBackward(dOut, keyPad, da, B, T, d);
          assertClose(da, de, (i, ex) => {
            const b = Math.floor(i / (T * d));
            return 7 * U32 * Math.abs(dOut[b * d + (i % d)]) / Math.max(count(b), 1) + 2 * U32 * Math.abs(ex);
          }, `${what} backward`);
          if (keyPad) for (let i = 0; i < B * T * d; i++) if (keyPad[Math.floor(i / d)] && da[i] !== dx0[i]) fail(`${what} backward: padded position changed at ${i}`);
        }
      }
      await checkRejects(gpu.maskedMeanPool(new Float32Array(6), null, new Float32Array(2), 2, 1, 3), /maskedMeanPool: out has 2 elements, needs 6/, "short out");
    } },
  ];
  const runtime: Array<Omit<KernelCase, "suite">> = [
    { name: "kernels encode into one submit until a read", run: async () => {
      const x = rt.upload(uniform(rng(1), 17 * 65));
      const out = rt.alloc(17 * 65), mean = rt.alloc(17), rstd = rt.alloc(17);
      const g = rt.upload(new Float32Array(65).fill(1)), b = rt.upload(new Float32Array(65));
      const before = rt.submits;
      for (let i = 0; i < 5; i++) {
        encodeSoftmax(rt, x, out, 17, 65, 1);
        encodeLayerNorm(rt, { x: out, gamma: g, beta: b, out: x, mean, rstd, rows: 17, cols: 65, eps: 1e-5 });
      }
      checkEqual(rt.submits, before, "nothing submitted while encoding");
      await rt.readF32(x);
      checkEqual(rt.submits, before + 1, "one submit for ten kernels and the read");
      for (const t of [x, out, mean, rstd, g, b]) rt.free(t);
    } },

    { name: "200 kernel runs leave the pool's buffer count and bytes flat", run: async () => {
      const r = rng(5);
      const run = async (): Promise<void> => {
        await gpu.gemm({ m: 17, n: 33, k: 9, a: uniform(r, 17 * 9), b: uniform(r, 9 * 33), c: new Float32Array(17 * 33) });
        await gpu.softmax(uniform(r, 65), new Float32Array(65), 5, 13, 1);
        await gpu.crossEntropy({ logits: uniform(r, 3 * 17), targets: Int32Array.from([1, -1, 16]), rows: 3, cols: 17, ignoreIndex: -1,
          labelSmoothing: 0.1, rowLoss: new Float32Array(3), logSumExp: new Float32Array(3) });
        const ids = Int32Array.from([1, 2, 1]);
        const t = rt.upload(uniform(r, 12)), i = rt.upload(ids), d = rt.upload(new Float32Array(12));
        encodeEmbeddingBackward(rt, t, i, 3, 4, d);
        await rt.read(d);
        for (const x of [t, i, d]) rt.free(x);
      };
      for (let i = 0; i < 10; i++) await run(); // warm: the pool learns the sizes
      const warm = rt.stats();
      for (let i = 0; i < 50; i++) await run(); // 4 calls a run: 200 kernel runs
      const now = rt.stats();
      checkEqual(now.buffers, warm.buffers, `buffers: ${warm.buffers} → ${now.buffers}`);
      checkEqual(now.bytes, warm.bytes, `bytes: ${warm.bytes} → ${now.bytes}`);
      checkEqual(now.pipelines, warm.pipelines, "no new pipelines");
      checkEqual(now.free, now.buffers, "everything back in the pool");
    } },
  ];
  return [
    ...kernels.map((c) => ({ suite: "webgpu kernels against the reference", ...c })),
    ...runtime.map((c) => ({ suite: "webgpu runtime", ...c })),
  ];
}
