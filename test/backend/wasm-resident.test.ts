/**
 * Resident operands (WasmBackend.allocate: arrays in the backend's own memory, read and written in place) against
 * the same calls on ordinary arrays (copied in and out, the path wasm-gemm.test.ts and element-kernels.test.ts check
 * against the reference): the kernels are the same, only their pointers differ, so the results must be the same
 * bits, with every combination of resident and ordinary operands, in place and aliased, across memory growth.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Backend, GemmArgs } from "../../src/backend/backend.js";
import { jsBackend, setBackend } from "../../src/backend/index.js";
import { Arena } from "../../src/backend/wasm/arena.js";
import { FreeList } from "../../src/backend/wasm/free-list.js";
import type { WasmBackend } from "../../src/backend/wasm/index.js";
import { Seq2Seq, initParameters, loadStateDict, parseConfig, stateDict, type Seq2SeqConfig } from "../../src/models/index.js";
import { BATCHED_GEMM_SHAPES, assertBitIdentical, gemmBuffers, type GemmShape, rng, uniform, wasmVariants } from "./helpers.js";

const variants = wasmVariants();

/** A resident copy of x. */
function resident(be: WasmBackend, x: Float32Array): Float32Array {
  const r = be.allocate(x.length);
  assert.ok(be.isResident(r), "allocate gave an ordinary array");
  r.set(x);
  return r;
}

/** Every subset of the operand names, as flags. */
function subsets<K extends string>(names: readonly K[]): Array<Record<K, boolean>> {
  return Array.from({ length: 1 << names.length }, (_, mask) =>
    Object.fromEntries(names.map((n, i) => [n, ((mask >> i) & 1) === 1])) as Record<K, boolean>);
}

const GEMM_SHAPES: GemmShape[] = [
  { m: 1, n: 300, k: 260, transB: true }, // a decoding step's one-row product: column chunks
  { m: 1, n: 64, k: 33, transB: true, beta: 1 }, // small: one thread, C read (a bias)
  { m: 260, n: 301, k: 520, transB: true, beta: 0.5 }, // B packed once for all row chunks
  { m: 260, n: 70, k: 600, ldb: 75, bOffset: 4, aOffset: 3, lda: 601 }, // B streamed in KC rows, A row chunk by row chunk
  { m: 200, n: 64, k: 100, lda: 110, ldc: 70, aOffset: 5, bOffset: 2, cOffset: 3, beta: 0.5, transB: true, ldb: 101 },
  { m: 200, n: 60, k: 100, ldc: 70 }, // C with gaps between rows, copied out chunk by chunk
  { m: 8, n: 1100, k: 256, transA: true }, // column chunks
  ...BATCHED_GEMM_SHAPES,
];

for (const v of variants) {
  describe(`wasm resident operands (${v.label})`, () => {
    const be = () => v.backend as WasmBackend;

    it("gemm and batched gemm: the same bits with A, B and C resident in every combination", () => {
      GEMM_SHAPES.forEach((shape, s) => {
        const { a, b, c } = gemmBuffers(shape as GemmArgs, rng(500 + s));
        const want = c.slice();
        be().gemm({ ...shape, a, b, c: want });
        for (const on of subsets(["a", "b", "c"] as const)) {
          const got = on.c ? resident(be(), c) : c.slice();
          be().gemm({ ...shape, a: on.a ? resident(be(), a) : a, b: on.b ? resident(be(), b) : b, c: got });
          assertBitIdentical(got, want, `shape ${s} ${JSON.stringify(on)} C`); // untouched elements included
        }
      });
    });

    it("gemm: a resident C that aliases a resident A or B reads them as they were (as the copies do)", () => {
      const r = rng(600);
      // C over rows 150.. of A: C's first row block (MC = 144 rows) is written before A's second block is packed
      const m = 300, n = 40, k = 40;
      const a = uniform(r, (m + 150) * k), b = uniform(r, k * n);
      const hostA = a.slice();
      be().gemm({ m, n, k, a: hostA, b, c: hostA, cOffset: 150 * k }); // ordinary arrays: A copied in before C is written
      const resA = resident(be(), a);
      be().gemm({ m, n, k, a: resA, b, c: resA, cOffset: 150 * k });
      assertBitIdentical(resA, hostA, "C overlapping A");
      // C over rows 260.. of B: written after the first KC = 256 rows of B, before the rest are packed
      const k2 = 300, n2 = 16, m2 = 20;
      const big = uniform(r, k2 * n2), a2 = uniform(r, m2 * k2);
      const hostBig = big.slice();
      be().gemm({ m: m2, n: n2, k: k2, a: a2, b: hostBig, c: hostBig, cOffset: 260 * n2, beta: 1 });
      const resBig = resident(be(), big);
      be().gemm({ m: m2, n: n2, k: k2, a: a2, b: resBig, c: resBig, cOffset: 260 * n2, beta: 1 });
      assertBitIdentical(resBig, hostBig, "C overlapping B");
    });

    it("attendOne: the same bits with q, k, v, out and weights resident, strided as in a cache", () => {
      const r = rng(700);
      const B = 3, h = 4, dK = 8, S = 70, limit = 65, d = h * dK, cap = 80;
      const q = uniform(r, 2 + B * 3 * d), k = uniform(r, 1 + B * cap * d), vv = uniform(r, 1 + B * cap * d);
      const keyPad = new Uint8Array(B * S).map((_, i) => (i % 17 === 5 ? 1 : 0));
      const args = (x: Record<"q" | "k" | "v" | "out" | "w", Float32Array>) => ({
        batch: B, heads: h, dK, keys: S, limit, q: x.q, qOffset: 2 + d, qStride: 3 * d, k: x.k, kOffset: 1, kStride: cap * d,
        kLd: d, v: x.v, vOffset: 1, vStride: cap * d, vLd: d, keyPad, scale: 0.3, out: x.out, weights: x.w,
      });
      const want = { out: new Float32Array(B * d), w: new Float32Array(B * h * S) };
      be().attendOne(args({ q, k, v: vv, ...want }));
      for (const on of subsets(["q", "k", "v", "out", "w"] as const)) {
        const got = {
          out: on.out ? be().allocate(B * d) : new Float32Array(B * d),
          w: on.w ? be().allocate(B * h * S) : new Float32Array(B * h * S),
        };
        be().attendOne(args({ q: on.q ? resident(be(), q) : q, k: on.k ? resident(be(), k) : k, v: on.v ? resident(be(), vv) : vv, ...got }));
        assertBitIdentical(got.out, want.out, `out ${JSON.stringify(on)}`);
        assertBitIdentical(got.w, want.w, `weights ${JSON.stringify(on)}`);
      }
    });

    it("layerNorm and its backward: the same bits with gamma, beta and the rest resident", () => {
      const r = rng(800);
      const rows = 300, cols = 200, n = rows * cols; // large enough to split over the threads
      const x = uniform(r, n), gamma = uniform(r, cols), beta = uniform(r, cols), dy = uniform(r, n);
      const fresh = (): Record<"out" | "mean" | "rstd", Float32Array> => ({ out: new Float32Array(n), mean: new Float32Array(rows), rstd: new Float32Array(rows) });
      const want = fresh();
      be().layerNorm({ x, gamma, beta, ...want, rows, cols, eps: 1e-5 });
      const back = (p: { dy: Float32Array; x: Float32Array; gamma: Float32Array; dx: Float32Array }) => {
        const dGamma = uniform(rng(801), cols), dBeta = uniform(rng(802), cols);
        be().layerNormBackward({ ...p, mean: want.mean, rstd: want.rstd, dGamma, dBeta, rows, cols });
        return { dx: p.dx, dGamma, dBeta };
      };
      const wantBack = back({ dy, x, gamma, dx: new Float32Array(n) });
      for (const on of subsets(["x", "gamma", "beta", "out"] as const)) {
        const got = fresh();
        if (on.out) got.out = be().allocate(n);
        const X = on.x ? resident(be(), x) : x, G = on.gamma ? resident(be(), gamma) : gamma;
        be().layerNorm({ x: X, gamma: G, beta: on.beta ? resident(be(), beta) : beta, ...got, rows, cols, eps: 1e-5 });
        for (const key of ["out", "mean", "rstd"] as const) assertBitIdentical(got[key], want[key], `${key} ${JSON.stringify(on)}`);
        const gotBack = back({ dy: on.out ? resident(be(), dy) : dy, x: X, gamma: G, dx: on.beta ? be().allocate(n) : new Float32Array(n) });
        for (const key of ["dx", "dGamma", "dBeta"] as const) assertBitIdentical(gotBack[key], wantBack[key], `${key} ${JSON.stringify(on)}`);
      }
      // in place: out is x itself
      const inPlace = resident(be(), x);
      const m = fresh();
      be().layerNorm({ x: inPlace, gamma, beta, out: inPlace, mean: m.mean, rstd: m.rstd, rows, cols, eps: 1e-5 });
      assertBitIdentical(inPlace, want.out, "layerNorm in place");
    });

    it("element kernels: the same bits resident, in place and partly overlapping", () => {
      const r = rng(900);
      const rows = 200, cols = 300, n = rows * cols;
      const x = uniform(r, n, -3, 3), dy = uniform(r, n);
      const unary: Array<[string, (be: Backend, x: Float32Array, out: Float32Array) => void]> = [
        ["relu", (b, a, o) => b.relu(a, o, n)],
        ["gelu", (b, a, o) => b.gelu(a, o, n)],
        ["softmax", (b, a, o) => b.softmax(a, o, rows, cols, 0.7)],
        ["maskedSoftmax", (b, a, o) => b.maskedSoftmax(a, o, { batch: 2, heads: 5, queries: 20, keys: cols, causal: true, queryOffset: 3 }, 0.5)],
      ];
      for (const [name, f] of unary) {
        const want = new Float32Array(n);
        f(be(), x, want);
        for (const on of subsets(["x", "out"] as const)) {
          const out = on.out ? be().allocate(n) : new Float32Array(n);
          f(be(), on.x ? resident(be(), x) : x, out);
          assertBitIdentical(out, want, `${name} ${JSON.stringify(on)}`);
        }
        const same = resident(be(), x);
        f(be(), same, same);
        assertBitIdentical(same, want, `${name} in place`);
        // out starts one row past x, inside it: x must be read as it was before the call
        const hostBig = new Float32Array(n + cols);
        hostBig.set(x);
        f(be(), hostBig.subarray(0, n), hostBig.subarray(cols));
        const resBig = be().allocate(n + cols);
        resBig.set(x);
        f(be(), resBig.subarray(0, n), resBig.subarray(cols));
        assertBitIdentical(resBig, hostBig, `${name} overlapping`);
      }
      const binary: Array<[string, (be: Backend, x: Float32Array, dy: Float32Array, dx: Float32Array) => void]> = [
        ["reluBackward", (b, a, g, o) => b.reluBackward(a, g, o, n)],
        ["geluBackward", (b, a, g, o) => b.geluBackward(a, g, o, n)],
        ["softmaxBackward", (b, a, g, o) => b.softmaxBackward(a, g, o, rows, cols, 0.7)],
      ];
      for (const [name, f] of binary) {
        const want = new Float32Array(n);
        f(be(), x, dy, want);
        for (const on of subsets(["x", "dy", "dx"] as const)) {
          const dx = on.dx ? be().allocate(n) : new Float32Array(n);
          f(be(), on.x ? resident(be(), x) : x, on.dy ? resident(be(), dy) : dy, dx);
          assertBitIdentical(dx, want, `${name} ${JSON.stringify(on)}`);
        }
        const same = resident(be(), dy);
        f(be(), resident(be(), x), same, same);
        assertBitIdentical(same, want, `${name} with dx = dy`);
      }
    });

    it("crossEntropy's backward and adam: the same bits with resident operands (adam updates a resident param in place)", () => {
      const r = rng(1000);
      const rows = 40, cols = 1000, n = rows * cols;
      const logits = uniform(r, n, -4, 4);
      const targets = Int32Array.from({ length: rows }, (_, i) => (i * 37) % cols);
      const ce = (l: Float32Array, d: Float32Array) => {
        const rowLoss = new Float32Array(rows), logSumExp = new Float32Array(rows);
        const count = be().crossEntropy({ logits: l, targets, rows, cols, ignoreIndex: 3, labelSmoothing: 0.1, rowLoss, logSumExp });
        be().crossEntropyBackward({ logits: l, targets, rows, cols, ignoreIndex: 3, labelSmoothing: 0.1, logSumExp, scale: 1 / count, dLogits: d });
        return rowLoss;
      };
      const wantD = new Float32Array(n);
      const wantLoss = ce(logits, wantD);
      for (const on of subsets(["logits", "d"] as const)) {
        const d = on.d ? be().allocate(n) : new Float32Array(n);
        assertBitIdentical(ce(on.logits ? resident(be(), logits) : logits, d), wantLoss, `rowLoss ${JSON.stringify(on)}`);
        assertBitIdentical(d, wantD, `dLogits ${JSON.stringify(on)}`);
      }
      const inPlace = resident(be(), logits);
      ce(inPlace, inPlace);
      assertBitIdentical(inPlace, wantD, "dLogits in place over logits");

      const p = uniform(r, n), g = uniform(r, n), m = uniform(r, n, 0, 0.1), vv = uniform(r, n, 0, 0.01);
      const step = { lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-9, weightDecay: 0.01, decoupled: true, step: 3 };
      const want = [p.slice(), g, m.slice(), vv.slice()];
      be().adam(want[0], want[1], want[2], want[3], n, step);
      for (const on of subsets(["p", "g", "m", "v"] as const)) {
        const got = [on.p ? resident(be(), p) : p.slice(), on.g ? resident(be(), g) : g, on.m ? resident(be(), m) : m.slice(), on.v ? resident(be(), vv) : vv.slice()];
        be().adam(got[0], got[1], got[2], got[3], n, step);
        ["param", "grad", "m", "v"].forEach((name, i) => assertBitIdentical(got[i], want[i], `adam ${name} ${JSON.stringify(on)}`));
      }
    });

    it("resident arrays keep their values and stay in place while the memory grows", () => {
      const w = uniform(rng(1100), 256 * 300);
      const res = resident(be(), w);
      const x = uniform(rng(1101), 300);
      const before = new Float32Array(256);
      be().gemm({ m: 1, n: 256, k: 300, a: x, b: res, c: before, transB: true });
      const bytes = be().memoryBytes();
      // a call whose scratch needs more memory than there is, then a resident block past the end
      const m = 1200, k = 1200;
      be().gemm({ m, n: m, k, a: new Float32Array(m * k), b: new Float32Array(k * m), c: new Float32Array(m * m) });
      const more = be().allocate(4 << 20);
      assert.ok(be().memoryBytes() > bytes, "the memory did not grow");
      assert.ok(be().isResident(res) && be().isResident(more));
      assertBitIdentical(res, w, "values after growth");
      const after = new Float32Array(256);
      be().gemm({ m: 1, n: 256, k: 300, a: x, b: res, c: after, transB: true });
      assertBitIdentical(after, before, "product after growth");
      // a view made on the memory's later buffer is resident too
      more[0] = 1;
      const late = be().allocate(8);
      be().relu(Float32Array.of(-1, 2, -3, 4, 5, -6, 7, -8), late, 8);
      assert.deepEqual([...late], [0, 2, 0, 4, 5, 0, 7, 0]);
    });
  });
}

describe("wasm resident memory", () => {
  it("the free list takes first fit and merges freed neighbours", () => {
    const f = new FreeList();
    f.give(100, 50);
    f.give(300, 100);
    assert.equal(f.take(60), 300);
    assert.equal(f.take(50), 100);
    assert.equal(f.take(10), 360);
    f.give(100, 50); // free: [100, 150), [370, 400)
    f.give(150, 150); // merges with [100, 150): [100, 300), [370, 400)
    assert.equal(f.bytes, 230);
    f.give(300, 60); // merges again: [100, 360), [370, 400)
    assert.equal(f.take(40), 100);
    assert.equal(f.take(220), 140);
    assert.equal(f.take(30), 370);
    assert.equal(f.bytes, 0);
    f.give(0, 10);
    assert.throws(() => f.give(5, 10), /freed twice or overlapping/);
    assert.equal(f.takeEndingAt(10), 0);
  });

  it("a freed block is reused and the resident region shrinks back when its last block goes", () => {
    const arena = new Arena(1024, 1 << 20);
    const a = arena.allocResident(1000)!, b = arena.allocResident(64)!;
    assert.ok(b > a);
    const scratch = arena.alloc(64);
    assert.ok(scratch >= b + 64, "scratch starts past the resident region");
    arena.reset();
    arena.freeResident(a, 1000);
    assert.equal(arena.allocResident(500), a, "the freed block is reused");
    arena.freeResident(b, 64);
    arena.reset();
    assert.ok(arena.alloc(64) < b + 64, "scratch moved down once the last block went");
    assert.ok(arena.residentAt(arena.view(a, 125)) === a && arena.residentAt(new Float32Array(4)) === -1);
  });

  it("a model's parameters live in wasm memory when the backend is wasm, loaded weights included", () => {
    const config = parseConfig({
      architecture: "seq2seq", d_model: 16, num_heads: 2, d_ff: 32, num_encoder_layers: 1, num_decoder_layers: 1,
      src_vocab_size: 20, tgt_vocab_size: 20, max_len: 16, tie_word_embeddings: true,
    }) as Seq2SeqConfig;
    const be = variants[0].backend as WasmBackend;
    const host = new Seq2Seq(config); // built under the js backend
    initParameters(host, 3);
    assert.ok(host.parameters().every((p) => !be.isResident(p.data)));
    setBackend(be);
    try {
      const model = new Seq2Seq(config);
      loadStateDict(model, stateDict(host), "test");
      const params = model.parameters();
      assert.ok(params.length > 10 && params.every((p) => be.isResident(p.data)), "a parameter is not resident");
      params.forEach((p, i) => assertBitIdentical(p.data, host.parameters()[i].data, `parameter ${i}`));
    } finally {
      setBackend(jsBackend);
    }
  });
});
