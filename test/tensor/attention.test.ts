import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, Tensor, attention } from "../../src/tensor/index.js";
import { gradcheck, randTensor } from "../helpers/gradcheck.js";

const rng = new Rng(11);

test("attention gradients: padding, causal, cache offset, dropout", () => {
  const B = 2, T = 3, S = 4, d = 6, h = 2;
  const keyPad = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1]);
  const q = () => randTensor(rng, [B, T, d]);
  const kv = () => randTensor(rng, [B, S, d]);
  gradcheck("plain", (a, b, c) => attention(a, b, c, { numHeads: h }).out, [q(), kv(), kv()]);
  gradcheck("padding", (a, b, c) => attention(a, b, c, { numHeads: h, keyPad }).out, [q(), kv(), kv()]);
  gradcheck("causal offset 1", (a, b, c) => attention(a, b, c, { numHeads: h, keyPad, causal: true, queryOffset: 1 }).out, [q(), kv(), kv()]);
  gradcheck("dropout", (a, b, c) => attention(a, b, c, { numHeads: 3, dropout: 0.2, rng: new Rng(3) }).out, [q(), kv(), kv()]);
});

test("attention over column bands of one fused tensor: self-attention (Q | K | V) and cross-attention (K | V)", () => {
  const B = 2, T = 3, S = 4, d = 6, h = 2;
  const keyPad = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1]);
  const bandOf = (t: Tensor, part: number) => ({ t, col: part * d, width: d });
  // gradients flow into the right columns of the shared input (the bands overlap nothing, their grads add up)
  gradcheck("self, bands of (B, T, 3d)", (x) => attention(bandOf(x, 0), bandOf(x, 1), bandOf(x, 2), { numHeads: h, causal: true }).out,
    [randTensor(rng, [B, T, 3 * d])]);
  gradcheck("cross, q and bands of (B, S, 2d)", (q, kv) => attention(q, bandOf(kv, 0), bandOf(kv, 1), { numHeads: h, keyPad }).out,
    [randTensor(rng, [B, T, d]), randTensor(rng, [B, S, 2 * d])]);
  // the same numbers as separate tensors
  const x = randTensor(rng, [B, S, 3 * d]);
  const part = (i: number) => {
    const out = new Float32Array(B * S * d);
    for (let r = 0; r < B * S; r++) out.set(x.data.subarray(r * 3 * d + i * d, r * 3 * d + (i + 1) * d), r * d);
    return new Tensor(out, [B, S, d]);
  };
  const fused = attention(bandOf(x, 0), bandOf(x, 1), bandOf(x, 2), { numHeads: h, keyPad }).out;
  const apart = attention(part(0), part(1), part(2), { numHeads: h, keyPad }).out;
  assert.deepEqual(Array.from(fused.data), Array.from(apart.data));
  assert.throws(() => attention({ t: x, col: 2 * d + 1, width: d }, part(1), part(2), { numHeads: h }), /outside/);
});

/** Naive attention for one head, written out with loops: the independent truth for the fused op. */
function naive(q: number[][], k: number[][], v: number[][], allowed: (t: number, s: number) => boolean): number[][] {
  const dK = q[0].length;
  return q.map((qt, t) => {
    const scores = k.map((ks, s) => (allowed(t, s) ? qt.reduce((acc, x, j) => acc + x * ks[j], 0) / Math.sqrt(dK) : -Infinity));
    const max = Math.max(...scores);
    const e = scores.map((x) => (x === -Infinity ? 0 : Math.exp(x - max)));
    const z = e.reduce((a, b) => a + b, 0);
    return v[0].map((_, j) => e.reduce((acc, w, s) => acc + (w / z) * v[s][j], 0));
  });
}

test("attention matches a naive per-head computation, scale 1/√dK", () => {
  const B = 1, T = 3, S = 3, d = 4, h = 2, dK = 2;
  const q = randTensor(rng, [B, T, d], -2, 2);
  const k = randTensor(rng, [B, S, d], -2, 2);
  const v = randTensor(rng, [B, S, d], -2, 2);
  const keyPad = Uint8Array.from([0, 0, 1]);
  const { out, weights } = attention(q, k, v, { numHeads: h, causal: true, keyPad, keepWeights: true });
  for (let head = 0; head < h; head++) {
    const slice = (t: Tensor, n: number) => Array.from({ length: n }, (_, r) => Array.from(t.data.slice(r * d + head * dK, r * d + head * dK + dK)));
    const expected = naive(slice(q, T), slice(k, S), slice(v, S), (t, s) => s <= t && s !== 2);
    for (let t = 0; t < T; t++) for (let j = 0; j < dK; j++) {
      assert.ok(Math.abs(out.data[t * d + head * dK + j] - expected[t][j]) < 1e-5);
    }
  }
  // causal: query 0 sees only key 0; padded key 2 gets weight 0 everywhere
  assert.equal(weights![0 * 9 + 0 * 3 + 0], 1);
  for (let i = 0; i < h * T; i++) assert.equal(weights![i * 3 + 2], 0);
});

test("a fully masked query row gives zeros, not NaN", () => {
  const q = randTensor(rng, [1, 1, 2]);
  const k = randTensor(rng, [1, 2, 2]);
  const v = randTensor(rng, [1, 2, 2]);
  const { out } = attention(q, k, v, { numHeads: 1, keyPad: Uint8Array.from([1, 1]) });
  assert.deepEqual(Array.from(out.data), [0, 0]);
});

test("one query per sentence without gradients (a decoding step) takes the fused kernel and agrees with the general path", () => {
  const B = 3, S = 5, d = 8, h = 2;
  const keyPad = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1]); // sentence 2: every key is padding
  const x = randTensor(rng, [B, 1, 3 * d]);
  const kv = randTensor(rng, [B, S + 2, 2 * d]); // a cache with spare rows: only the first S are keys
  for (const opts of [{}, { keyPad }, { causal: true, queryOffset: 2 }, { causal: true, queryOffset: S - 1, keyPad }]) {
    const run = (requiresGrad: boolean) => {
      const xi = new Tensor(x.data, x.shape, requiresGrad), kvi = new Tensor(kv.data, kv.shape, requiresGrad);
      return attention({ t: xi, col: d, width: d }, { t: kvi, col: 0, width: d, rows: S }, { t: kvi, col: d, width: d, rows: S },
        { numHeads: h, keepWeights: true, ...opts });
    };
    const fused = run(false); // no input needs a gradient: attendOne
    const general = run(true); // two batched GEMMs and the masked softmax, gradient-checked above
    const what = JSON.stringify({ ...opts, keyPad: "keyPad" in opts });
    for (const [a, b] of [[fused.out.data, general.out.data], [fused.weights!, general.weights!]]) {
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
    }
    if ("keyPad" in opts) assert.ok(fused.out.data.subarray(2 * d).every((v) => v === 0), `${what}: a sentence with no key attends to nothing`);
  }
});
