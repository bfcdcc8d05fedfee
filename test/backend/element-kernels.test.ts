/**
 * The fast softmax, attention softmax, one-query attention, layer norm, activations, cross-entropy and Adam kernels against the
 * reference kernels (src/backend/js): wasm with relaxed and plain SIMD, and native (the same C sources compiled
 * into the addon) where it loads, each on 1 and 2 threads.
 *
 * Tolerances: the reference computes in float64 and rounds once; the fast kernels compute in float32. Each bound
 * below is u = 2^-24 times a count of roundings (a row sum of `cols` terms contributes up to cols·u, the worst
 * case of recursive summation) times the magnitude the error scales with — which, where the result comes from a
 * cancellation (softmax backward, layer-norm backward, cross-entropy gradient), is the size of the terms, not of
 * the result.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AdamArgs, AttentionMask } from "../../src/backend/backend.js";
import { jsBackend as ref } from "../../src/backend/js/index.js";
import { erf } from "../../src/backend/js/erf.js";
import type { Backend } from "../../src/backend/backend.js";
import { assertBitIdentical, assertClose, relAbs, rng, U32, uniform, kernelVariants } from "./helpers.js";

const variants = kernelVariants();

/** (rows, cols): odd sizes, and one of more than 2^15 elements so that two threads split it. */
const rowShapes: Array<[number, number]> = [[1, 1], [3, 17], [17, 65], [5, 1001], [70, 513]];
const lengths = [1, 3, 17, 65, 1003, 40_001];

function rowMaxAbs(x: Float32Array, r: number, cols: number): number {
  let m = 0;
  for (let j = 0; j < cols; j++) m = Math.max(m, Math.abs(x[r * cols + j]));
  return m;
}

for (const v of variants) {
  describe(`element kernels (${v.label})`, () => {
    it("softmax", () => {
      let seed = 1;
      for (const [rows, cols] of rowShapes) {
        for (const scale of [1, 0.7, -1.3]) {
          const x = uniform(rng(seed++), rows * cols, -5, 5);
          const expected = new Float32Array(x.length);
          ref.softmax(x, expected, rows, cols, scale);
          const out = new Float32Array(x.length);
          v.backend!.softmax(x, out, rows, cols, scale);
          // relative: the row sum (cols·u), exp of an argument up to |scale·x| ≤ 6.5 (≈ 2·6.5·u), a few more ops
          assertClose(out, expected, relAbs((cols + 32) * U32, 1e-30), `softmax ${rows}×${cols} scale ${scale}`);
          v.backend!.softmax(x, x, rows, cols, scale); // out may alias x
          assertBitIdentical(x, out, "softmax in place");
        }
      }
    });

    it("attendOne: heads, strides and bands, padding, a causal cut, fully masked sentences, two threads", () => {
      // [batch, heads, dK, keys, limit]: dK with every remainder mod 4 and 16 and 32; the last has
      // batch·heads·limit·dK ≥ 2^15, so native splits it over two threads
      const shapes: Array<[number, number, number, number, number]> = [
        [1, 1, 1, 1, 1], [2, 3, 5, 7, 7], [3, 2, 4, 9, 6], [1, 8, 32, 64, 64], [2, 2, 36, 13, 13], [2, 4, 19, 5, 0],
        [1, 2, 48, 3, 2], [4, 8, 32, 40, 40],
      ];
      let seed = 40;
      for (const [B, h, dK, S, limit] of shapes) {
        const r = rng(seed++);
        const d = h * dK;
        // q: one row of a (B, 1, 3d) fused projection, starting at column d; k and v: (B, capacity, d) caches
        // with more room than keys, or bands of one (B, S, 2d) tensor
        const q = uniform(r, 5 + B * 3 * d, -2, 2);
        const banded = seed % 2 === 0;
        const cap = S + 3;
        const kv = uniform(r, 7 + B * cap * 2 * d, -2, 2);
        const keyPad = new Uint8Array(B * S);
        for (let s = 0; s < S; s++) keyPad[s] = s % 3 === 1 ? 1 : 0;
        if (B > 1) keyPad.fill(1, S, 2 * S); // sentence 1: every key is padding (zero weights and output)
        for (const pad of [null, keyPad]) {
          const args = {
            batch: B, heads: h, dK, keys: S, limit, scale: 0.6, keyPad: pad,
            q, qOffset: 5 + d, qStride: 3 * d,
            k: kv, kOffset: 7, kStride: cap * 2 * d, kLd: banded ? 2 * d : d,
            v: kv, vOffset: banded ? 7 + d : 7 + cap * d, vStride: cap * 2 * d, vLd: banded ? 2 * d : d,
          };
          const expected = { out: new Float32Array(B * d), weights: new Float32Array(B * h * S) };
          ref.attendOne({ ...args, ...expected });
          const got = { out: new Float32Array(B * d).fill(NaN), weights: new Float32Array(B * h * S).fill(NaN) };
          v.backend!.attendOne({ ...args, ...got });
          const what = `attendOne ${[B, h, dK, S, limit]} ${banded ? "bands" : "caches"} ${pad ? "padded" : ""}`;
          // scores: dK products (|q·k| ≤ 4·dK) then exp: the weights are off by about scale·dK·4·dK·u relatively
          assertClose(got.weights, expected.weights, relAbs((S + 32 + 2.4 * dK * dK) * U32, 0), `${what} weights`);
          // out: a sum of S terms |w·v| ≤ 2·w, plus the weights' own error
          assertClose(got.out, expected.out, relAbs(0, (S + 32 + 2.4 * dK * dK) * 4 * U32), `${what} out`);
        }
      }
      const args = {
        batch: 1, heads: 2, dK: 4, keys: 3, limit: 3, scale: 1, keyPad: null, q: new Float32Array(8), qOffset: 0, qStride: 8,
        k: new Float32Array(24), kOffset: 0, kStride: 24, kLd: 8, v: new Float32Array(23), vOffset: 0, vStride: 24, vLd: 8,
        out: new Float32Array(8), weights: new Float32Array(6),
      };
      assert.throws(() => v.backend!.attendOne(args), /attendOne.*v has 23 elements, needs 24/);
      assert.throws(() => v.backend!.attendOne({ ...args, v: args.k, limit: 4 }), /limit 4 is past the 3 keys/);
      assert.throws(() => v.backend!.attendOne({ ...args, v: args.k, kLd: 7.5 }), /kLd must be a whole number/);
    });

    it("maskedSoftmax: padding, causal, queryOffset, fully masked rows", () => {
      const shapes: Array<[number, number, number, number]> = [[2, 3, 5, 7], [1, 1, 1, 1], [3, 2, 4, 9], [2, 4, 64, 80]];
      let seed = 10;
      for (const [batch, heads, queries, keys] of shapes) {
        const r = rng(seed++);
        const keyPad = new Uint8Array(batch * keys);
        for (let s = 0; s < keys; s++) keyPad[s] = s >= keys - 2 ? 1 : 0; // batch 0: the last two keys are padding
        if (batch > 1) keyPad.fill(1, keys, 2 * keys); // batch 1: every key is padding (rows of zeros)
        if (batch > 2) keyPad[2 * keys] = 1; // batch 2: key 0 is padding, so causal query 0 sees nothing
        const masks: Array<Partial<AttentionMask>> = [
          {},
          { keyPad },
          { causal: true },
          { causal: true, queryOffset: keys - queries },
          { keyPad, causal: true },
          { keyPad, causal: true, queryOffset: 2 },
        ];
        for (const extra of masks) {
          const mask: AttentionMask = { batch, heads, queries, keys, ...extra };
          const x = uniform(r, batch * heads * queries * keys, -4, 4);
          const expected = new Float32Array(x.length);
          ref.maskedSoftmax(x, expected, mask, 0.5);
          const out = new Float32Array(x.length).fill(NaN);
          v.backend!.maskedSoftmax(x, out, mask, 0.5);
          // masked entries must be exactly 0 (the tolerance is 0 where the reference gives 0)
          assertClose(out, expected, relAbs((keys + 32) * U32, 0),
            `maskedSoftmax ${[batch, heads, queries, keys]} ${JSON.stringify({ ...extra, keyPad: !!extra.keyPad })}`);
        }
      }
    });

    it("softmaxBackward", () => {
      let seed = 20;
      for (const [rows, cols] of rowShapes) {
        const r = rng(seed++);
        const y = new Float32Array(rows * cols);
        ref.softmax(uniform(r, rows * cols, -3, 3), y, rows, cols, 1);
        const dy = uniform(r, rows * cols);
        const scale = 0.125;
        const expected = new Float32Array(y.length);
        ref.softmaxBackward(y, dy, expected, rows, cols, scale);
        const out = new Float32Array(y.length);
        v.backend!.softmaxBackward(y, dy, out, rows, cols, scale);
        // dx = scale·y·(dy − dot): bounded by the size of the terms, |scale|·y·(|dy| + Σ|dy·y|)
        const tol = (i: number): number => {
          const row = Math.floor(i / cols);
          let dot = 0;
          for (let j = 0; j < cols; j++) dot += Math.abs(dy[row * cols + j] * y[row * cols + j]);
          return (cols + 16) * U32 * Math.abs(scale) * y[i] * (Math.abs(dy[i]) + dot);
        };
        assertClose(out, expected, tol, `softmaxBackward ${rows}×${cols}`);
        const dyCopy = dy.slice();
        v.backend!.softmaxBackward(y, dyCopy, dyCopy, rows, cols, scale); // dx may alias dy
        assertBitIdentical(dyCopy, out, "softmaxBackward in place");
      }
    });

    it("layerNorm and layerNormBackward", () => {
      let seed = 30;
      for (const [rows, cols] of rowShapes) {
        const r = rng(seed++);
        const x = uniform(r, rows * cols, -2, 3);
        const gamma = uniform(r, cols, 0.5, 1.5);
        const beta = uniform(r, cols, -0.5, 0.5);
        const exp = { out: new Float32Array(x.length), mean: new Float32Array(rows), rstd: new Float32Array(rows) };
        const got = { out: new Float32Array(x.length), mean: new Float32Array(rows), rstd: new Float32Array(rows) };
        ref.layerNorm({ x, gamma, beta, ...exp, rows, cols, eps: 1e-5 });
        v.backend!.layerNorm({ x, gamma, beta, ...got, rows, cols, eps: 1e-5 });
        const g = (cols + 16) * U32;
        assertClose(got.mean, exp.mean, (i) => g * rowMaxAbs(x, i, cols), "layerNorm mean");
        assertClose(got.rstd, exp.rstd, relAbs(g, 0), "layerNorm rstd");
        // an error δ in the mean moves every output by rstd·δ·gamma
        assertClose(got.out, exp.out, (i) => {
          const row = Math.floor(i / cols), j = i % cols;
          return g * (Math.abs(gamma[j]) * exp.rstd[row] * (Math.abs(x[i]) + rowMaxAbs(x, row, cols)) + Math.abs(beta[j]));
        }, `layerNorm ${rows}×${cols}`);

        const dy = uniform(r, rows * cols);
        const dGamma0 = uniform(r, cols), dBeta0 = uniform(r, cols);
        const e = { dx: new Float32Array(x.length), dGamma: dGamma0.slice(), dBeta: dBeta0.slice() };
        const a = { dx: new Float32Array(x.length), dGamma: dGamma0.slice(), dBeta: dBeta0.slice() };
        ref.layerNormBackward({ dy, x, gamma, mean: exp.mean, rstd: exp.rstd, ...e, rows, cols });
        v.backend!.layerNormBackward({ dy, x, gamma, mean: exp.mean, rstd: exp.rstd, ...a, rows, cols });
        const xhat = (i: number): number => (x[i] - exp.mean[Math.floor(i / cols)]) * exp.rstd[Math.floor(i / cols)];
        const rowTerms = new Float64Array(rows * 2); // Σ|g|/cols, Σ|g·x̂|/cols per row
        for (let i = 0; i < x.length; i++) {
          const row = Math.floor(i / cols);
          const gi = Math.abs(dy[i] * gamma[i % cols]);
          rowTerms[2 * row] += gi / cols;
          rowTerms[2 * row + 1] += Math.abs(gi * xhat(i)) / cols;
        }
        assertClose(a.dx, e.dx, (i) => {
          const row = Math.floor(i / cols);
          return g * exp.rstd[row] * (Math.abs(dy[i] * gamma[i % cols]) + rowTerms[2 * row] + Math.abs(xhat(i)) * rowTerms[2 * row + 1]);
        }, `layerNormBackward dx ${rows}×${cols}`);
        // dGamma and dBeta add one term per row to what they held
        const colSum = (f: (i: number) => number, j: number): number => {
          let s = 0;
          for (let row = 0; row < rows; row++) s += Math.abs(f(row * cols + j));
          return s;
        };
        const gr = (rows + 8) * U32;
        assertClose(a.dGamma, e.dGamma, (j) => gr * (Math.abs(dGamma0[j]) + colSum((i) => dy[i] * xhat(i), j)) * 2,
          "layerNormBackward dGamma");
        assertClose(a.dBeta, e.dBeta, (j) => gr * (Math.abs(dBeta0[j]) + colSum((i) => dy[i], j)), "layerNormBackward dBeta");
      }
    });

    it("relu and reluBackward, exactly", () => {
      let seed = 40;
      for (const n of lengths) {
        const r = rng(seed++);
        const x = uniform(r, n), dy = uniform(r, n);
        x[0] = 0;
        const e = new Float32Array(n), a = new Float32Array(n);
        ref.relu(x, e, n);
        v.backend!.relu(x, a, n);
        assertBitIdentical(a.map((z) => z + 0), e.map((z) => z + 0), `relu ${n}`); // +0: −0 and 0 both mean zero
        ref.reluBackward(x, dy, e, n);
        v.backend!.reluBackward(x, dy, a, n);
        assertBitIdentical(a.map((z) => z + 0), e.map((z) => z + 0), `reluBackward ${n}`);
      }
    });

    it("gelu and geluBackward", () => {
      let seed = 50;
      for (const n of lengths) {
        const r = rng(seed++);
        const x = uniform(r, n, -10, 10), dy = uniform(r, n);
        if (n > 8) x.set([0, -0, 1e-30, -1e-30, 30, -30, Infinity, -8.5]);
        const e = new Float32Array(n), a = new Float32Array(n);
        ref.gelu(x, e, n);
        v.backend!.gelu(x, a, n);
        // Relative (16 + x²/2)·u: erfc's fit (1.2e-7), the divide, polynomial and exp of kernels/vmath.h, and exp's
        // rounded argument, −x²/2 ± (x²/2)·u (Φ's own condition number near x² says x's rounding costs as much).
        // 1e-12 absolute: below x ≈ −8.5 the reference's 1 + erf cancels to 0 while the kernel keeps ~1e-16.
        const rel = (xi: number): number => (16 + (xi * xi) / 2) * U32;
        assertClose(a, e, (i, ex) => (Number.isFinite(ex) ? rel(x[i]) * Math.abs(ex) + 1e-12 : 0), `gelu ${n}`);
        ref.geluBackward(x, dy, e, n);
        v.backend!.geluBackward(x, dy, a, n);
        // Φ + x·φ cancels near x ≈ −0.75: the bound scales with the terms, |dy|·(Φ + |x|·φ)
        assertClose(a, e, (i, ex) => {
          if (!Number.isFinite(ex)) return 0;
          const xi = x[i];
          const terms = 0.5 * (1 + erf(xi * Math.SQRT1_2)) + Math.abs(xi) * Math.exp(-0.5 * xi * xi) / Math.sqrt(2 * Math.PI);
          return rel(xi) * Math.abs(dy[i]) * terms + 1e-12;
        }, `geluBackward ${n}`);
      }
    });

    it("crossEntropy and crossEntropyBackward, with label smoothing and ignored rows", () => {
      const shapes: Array<[number, number]> = [[1, 1], [3, 17], [11, 8003], [9, 4001]];
      let seed = 60;
      for (const [rows, cols] of shapes) {
        for (const smoothing of [0, 0.1]) {
          const r = rng(seed++);
          const logits = uniform(r, rows * cols, -6, 6);
          const targets = Int32Array.from({ length: rows }, (_, i) => (i % 4 === 3 ? -100 : Math.floor(r() * cols)));
          const e = { loss: new Float32Array(rows), lse: new Float32Array(rows) };
          const a = { loss: new Float32Array(rows), lse: new Float32Array(rows) };
          const ce = ref.crossEntropy({ logits, targets, rows, cols, ignoreIndex: -100, labelSmoothing: smoothing, rowLoss: e.loss, logSumExp: e.lse });
          const ca = v.backend!.crossEntropy({ logits, targets, rows, cols, ignoreIndex: -100, labelSmoothing: smoothing, rowLoss: a.loss, logSumExp: a.lse });
          assert.equal(ca, ce, "count of rows not ignored");
          // Σ exp over cols (cols·u relative, so cols·u absolute on the log) and Σ logits / cols (cols·u·6)
          const t = (cols + 16) * U32 * 8;
          assertClose(a.lse, e.lse, relAbs(U32, t), `crossEntropy logSumExp ${rows}×${cols}`);
          assertClose(a.loss, e.loss, relAbs(U32, t), `crossEntropy loss ${rows}×${cols}`);

          const scale = 1 / Math.max(ce, 1);
          const de = new Float32Array(logits.length), da = new Float32Array(logits.length);
          ref.crossEntropyBackward({ logits, targets, logSumExp: e.lse, rows, cols, ignoreIndex: -100, labelSmoothing: smoothing, scale, dLogits: de });
          v.backend!.crossEntropyBackward({ logits, targets, logSumExp: e.lse, rows, cols, ignoreIndex: -100, labelSmoothing: smoothing, scale, dLogits: da });
          // exp(x − lse) with |x − lse| ≤ 12 + log(cols): relative (2·|x − lse| + 8)·u; then − ε/C and the target
          assertClose(da, de, (i) => {
            const row = Math.floor(i / cols);
            const z = logits[i] - e.lse[row];
            return scale * (Math.exp(z) * (2 * Math.abs(z) + 8) * U32 + 4 * U32);
          }, `crossEntropyBackward ${rows}×${cols}`);

          // both in one call, the gradient in place of the logits
          const f = { loss: new Float32Array(rows), lse: new Float32Array(rows), d: logits.slice() };
          const cf = v.backend!.crossEntropyWithGrad({
            logits: f.d, targets, rows, cols, ignoreIndex: -100, labelSmoothing: smoothing, rowLoss: f.loss, logSumExp: f.lse, scale, dLogits: f.d,
          });
          assert.equal(cf, ce, "crossEntropyWithGrad: count of rows not ignored");
          assertClose(f.lse, e.lse, relAbs(U32, t), `crossEntropyWithGrad logSumExp ${rows}×${cols}`);
          assertClose(f.loss, e.loss, relAbs(U32, t), `crossEntropyWithGrad loss ${rows}×${cols}`);
          // softmax as exp(x − max) / Σ: the sum's cols·u on top of the exp's error
          assertClose(f.d, de, (i) => {
            const row = Math.floor(i / cols);
            const z = logits[i] - e.lse[row];
            return scale * (Math.exp(z) * (2 * Math.abs(z) + cols + 16) * U32 + 4 * U32);
          }, `crossEntropyWithGrad gradient ${rows}×${cols}`);
        }
      }
    });

    it("crossEntropy rejects a target outside the classes, naming the row", () => {
      const logits = new Float32Array(12);
      const targets = Int32Array.from([0, 1, 4]);
      const out = new Float32Array(3);
      const args = { logits, targets, rows: 3, cols: 4, ignoreIndex: -100, labelSmoothing: 0 };
      assert.throws(() => v.backend!.crossEntropy({ ...args, rowLoss: out, logSumExp: out.slice() }),
        (e: unknown) => e instanceof RangeError && /target 4 in row 2/.test(e.message));
      assert.throws(() => v.backend!.crossEntropyBackward({ ...args, logSumExp: out, scale: 1, dLogits: logits.slice() }),
        /target 4 in row 2/);
    });

    it("adam and adamw", () => {
      let seed = 70;
      for (const n of lengths) {
        for (const decoupled of [false, true]) {
          const r = rng(seed++);
          const param = uniform(r, n), grad = uniform(r, n, -0.1, 0.1);
          const m = uniform(r, n, -0.01, 0.01), vv = uniform(r, n, 0, 1e-4);
          const args: AdamArgs = { lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-9, weightDecay: 0.01, decoupled, step: 7 };
          const e = { p: param.slice(), m: m.slice(), v: vv.slice() };
          const a = { p: param.slice(), m: m.slice(), v: vv.slice() };
          ref.adam(e.p, grad, e.m, e.v, n, args);
          v.backend!.adam(a.p, grad, a.m, a.v, n, args);
          // each update is a handful of float32 operations on terms no bigger than these
          const g = (i: number): number => Math.abs(grad[i]) + args.weightDecay * Math.abs(param[i]);
          assertClose(a.m, e.m, (i) => 8 * U32 * (Math.abs(m[i]) + g(i)), `adam m ${n}`);
          assertClose(a.v, e.v, (i) => 8 * U32 * (Math.abs(vv[i]) + g(i) * g(i)), `adam v ${n}`);
          const bc1 = 1 - args.beta1 ** args.step;
          const bc2 = Math.sqrt(1 - args.beta2 ** args.step);
          assertClose(a.p, e.p, (i) => {
            // the step's size, from the terms m is made of (m itself may be their small difference)
            const step = (args.lr / bc1) * (Math.abs(m[i]) + g(i)) / (Math.sqrt(e.v[i]) / bc2 + args.eps);
            return 16 * U32 * (Math.abs(param[i]) + step);
          }, `adam param ${n} decoupled ${decoupled}`);
        }
      }
    });

    it("dropout computes the reference's mask from the same key, and maskScale matches bit for bit", () => {
      for (const n of [...lengths, 100_003]) { // the last splits over threads on native
        for (const p of [0.1, 0.5, 0.9]) {
          const x = uniform(rng(n), n, -3, 3);
          const key = Uint32Array.from([0x9abcdef0 + n, 0x87654321]);
          const e = { out: new Float32Array(n), keep: new Uint8Array(n) };
          const a = { out: new Float32Array(n).fill(NaN), keep: new Uint8Array(n).fill(7) };
          ref.dropout(x, e.out, e.keep, n, p, key);
          v.backend!.dropout(x, a.out, a.keep, n, p, key);
          assert.deepEqual(a.keep, e.keep, `dropout mask n ${n} p ${p}`);
          assertBitIdentical(a.out, e.out, `dropout n ${n} p ${p}`);
          const kept = e.keep.reduce((s, k) => s + k, 0);
          if (n >= 40_000) assert.ok(Math.abs(kept / n - (1 - p)) < 0.02, `kept ${kept} of ${n} at p ${p}`);
          const dy = uniform(rng(n + 1), n);
          const dxE = new Float32Array(n), dxA = dy.slice();
          ref.maskScale(dy, e.keep, 1 / (1 - p), dxE, n);
          v.backend!.maskScale(dxA, e.keep, 1 / (1 - p), dxA, n); // in place
          assertBitIdentical(dxA, dxE, `maskScale n ${n} p ${p}`);
        }
      }
    });

    it("addColumnSums adds each column's sum to out", () => {
      for (const [rows, cols] of [...rowShapes, [2048, 37] as [number, number]]) {
        const x = uniform(rng(rows * cols), rows * cols, -2, 2);
        const start = uniform(rng(cols), cols);
        const e = start.slice(), a = start.slice();
        ref.addColumnSums(x, rows, cols, e);
        v.backend!.addColumnSums(x, rows, cols, a);
        // float64 sums rounded once on both sides but for the last addition's order: a couple of ulps
        assertClose(a, e, relAbs(4 * U32, 4 * U32 * rows), `addColumnSums ${rows}×${cols}`);
        let direct = 0;
        for (let r = 0; r < rows; r++) direct += x[r * cols];
        assert.ok(Math.abs(a[0] - (start[0] + direct)) <= 1e-5 * rows, "column 0 by hand");
      }
    });

    it("embedding and embeddingBackward (plain TS) match the reference", () => {
      const table = uniform(rng(80), 10 * 3);
      const ids = Int32Array.from([4, 0, 9, 4]);
      const e = new Float32Array(12), a = new Float32Array(12);
      ref.embedding(table, ids, 3, e);
      v.backend!.embedding(table, ids, 3, a);
      assert.deepEqual(a, e);
      const dt1 = new Float32Array(30), dt2 = new Float32Array(30);
      ref.embeddingBackward(e, ids, 3, dt1);
      v.backend!.embeddingBackward(e, ids, 3, dt2);
      assert.deepEqual(dt2, dt1);
    });
  });
}

describe("element kernels: determinism", () => {
  it("repeat runs give the same bits, and so do 1 and 2 threads (row and range splits keep each row's order)", () => {
    for (const family of new Set(variants.map((v) => v.family))) {
      const [one, two] = variants.filter((v) => v.family === family).map((v) => v.backend!);
      const r = rng(90);
      const rows = 70, cols = 513, n = rows * cols;
      const x = uniform(r, n, -4, 4), dy = uniform(r, n);
      const gamma = uniform(r, cols), beta = uniform(r, cols);
      const targets = Int32Array.from({ length: rows }, () => Math.floor(r() * cols));
      const results = [one, two, two].map((be) => {
        const o = {
          softmax: new Float32Array(n), gelu: new Float32Array(n), geluB: new Float32Array(n),
          ln: new Float32Array(n), mean: new Float32Array(rows), rstd: new Float32Array(rows),
          loss: new Float32Array(rows), lse: new Float32Array(rows), dl: new Float32Array(n),
        };
        be.softmax(x, o.softmax, rows, cols, 0.3);
        be.gelu(x, o.gelu, n);
        be.geluBackward(x, dy, o.geluB, n);
        be.layerNorm({ x, gamma, beta, out: o.ln, mean: o.mean, rstd: o.rstd, rows, cols, eps: 1e-5 });
        be.crossEntropy({ logits: x, targets, rows, cols, ignoreIndex: -1, labelSmoothing: 0.1, rowLoss: o.loss, logSumExp: o.lse });
        be.crossEntropyBackward({ logits: x, targets, logSumExp: o.lse, rows, cols, ignoreIndex: -1, labelSmoothing: 0.1, scale: 0.5, dLogits: o.dl });
        return o;
      });
      for (const key of Object.keys(results[0]) as Array<keyof (typeof results)[0]>) {
        assertBitIdentical(results[1][key], results[2][key], `${key} repeat (2 threads)`);
        assertBitIdentical(results[0][key], results[1][key], `${key} 1 vs 2 threads`);
      }
      // layerNormBackward's dGamma sums per-thread partials: same bits for a fixed thread count
      const runLnb = (be: Backend): Float32Array[] => {
        const dx = new Float32Array(n), dg = new Float32Array(cols), db = new Float32Array(cols);
        be.layerNormBackward({ dy, x, gamma, mean: results[0].mean, rstd: results[0].rstd, dx, dGamma: dg, dBeta: db, rows, cols });
        return [dx, dg, db];
      };
      const [p, q] = [runLnb(two), runLnb(two)];
      p.forEach((arr, i) => assertBitIdentical(arr, q[i], `layerNormBackward output ${i} repeat`));
    }
  });
});
