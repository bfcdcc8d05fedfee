import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, Tensor, add, crossEntropy, dropout, linear, linearCrossEntropy, reshape, scale, sum } from "../../src/tensor/index.js";
import { gradcheck, randTensor } from "../helpers/gradcheck.js";
import { dropoutHash } from "../../src/backend/js/dropout.js";

test("dropout keeps exactly the elements whose hash of (key, index) clears p, scales them, and draws one key from the Rng", () => {
  const x = Tensor.from(Array.from({ length: 1000 }, (_, i) => i / 100 - 5), [10, 100], true);
  const rng = new Rng(5);
  const y = dropout(x, 0.3, rng);
  const ref = new Rng(5);
  const [k0, k1] = [ref.nextUint32(), ref.nextUint32()];
  assert.deepEqual(rng.getState(), ref.getState(), "a mask costs the Rng two draws");
  const kept: boolean[] = [];
  for (let i = 0; i < x.size; i++) {
    kept.push(dropoutHash(k0 | 0, k1 | 0, i) / 2 ** 32 >= 0.3);
    const want = kept[i] ? Math.fround(x.data[i] * (1 / 0.7)) : 0;
    assert.ok(y.data[i] === want, `y[${i}] = ${y.data[i]}, want ${want}`); // -0 for a dropped negative is fine
  }
  sum(y).backward();
  for (let i = 0; i < x.size; i++) assert.ok(x.grad![i] === (kept[i] ? Math.fround(1 / 0.7) : 0), `dx[${i}]`);
});

test("the dropout hash behaves like uniform draws: kept fraction, neighbours, and another key", () => {
  const n = 200_000;
  for (const p of [0.1, 0.5, 0.9]) {
    let kept = 0, both = 0;
    let prev = false;
    for (let i = 0; i < n; i++) {
      const k = dropoutHash(12345, -987654, i) / 2 ** 32 >= p;
      if (k) kept++;
      if (k && prev) both++;
      prev = k;
    }
    // binomial: 4.5 standard deviations at most
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(kept - n * (1 - p)) < 4.5 * sd, `p ${p}: kept ${kept} of ${n}`);
    // consecutive elements independent: P(both kept) = (1 − p)²
    const q = (1 - p) ** 2;
    assert.ok(Math.abs(both - n * q) < 4.5 * Math.sqrt(n * q * (1 - q)), `p ${p}: ${both} neighbouring pairs kept`);
  }
  let same = 0;
  for (let i = 0; i < 10_000; i++) if ((dropoutHash(1, 2, i) >= 2 ** 31) === (dropoutHash(1, 3, i) >= 2 ** 31)) same++;
  assert.ok(Math.abs(same - 5000) < 4.5 * 50, `keys (1, 2) and (1, 3) agree on ${same} of 10000 halves`);
});

test("accumulateGrad: owned buffers are adopted, others copied, then added", () => {
  const t = Tensor.zeros([3], true);
  const g = Float32Array.of(1, 2, 3);
  t.accumulateGrad(g);
  assert.notEqual(t.grad, g);
  g[0] = 100; // the caller's buffer is not the tensor's
  assert.deepEqual([...t.grad!], [1, 2, 3]);
  const u = Tensor.zeros([3], true);
  const h = Float32Array.of(1, 2, 3);
  u.accumulateGrad(h, { owned: true });
  assert.equal(u.grad, h);
  u.accumulateGrad(Float32Array.of(1, 1, 1), { owned: true });
  assert.deepEqual([...u.grad!], [2, 3, 4]);
  assert.throws(() => u.accumulateGrad(new Float32Array(2)), /2 values/);
});

test("a tensor used through a reshape and directly gets both contributions, and nothing is shared", () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3], true);
  const w = Tensor.from([1, 0, -1, 2, 1, 0], [2, 3], true);
  // x reaches the loss through a reshape (handing its grad through) and through linear, and a leaf (w) through
  // a reshape too: each gradient must be the sum of its paths, and no two tensors may end up sharing a buffer
  const y = add(reshape(linear(x, w, null), [4]), reshape(linear(x, w, null), [4]));
  const z = add(sum(y), sum(reshape(x, [6])));
  z.backward();
  // d/dx of 2·sum(x Wᵀ) + sum(x) = 2·(colsum of W) + 1
  assert.deepEqual([...x.grad!], [2 * 3 + 1, 2 * 1 + 1, 2 * -1 + 1, 2 * 3 + 1, 2 * 1 + 1, 2 * -1 + 1]);
  assert.deepEqual([...w.grad!], [2 * 5, 2 * 7, 2 * 9, 2 * 5, 2 * 7, 2 * 9]);
  assert.notEqual(x.grad, w.grad);
});

test("linear with the bias folded into the GEMM (out ≥ in): gradients and values", () => {
  const rng = new Rng(11);
  gradcheck("linear folded bias", linear, [randTensor(rng, [2, 3, 3]), randTensor(rng, [6, 3]), randTensor(rng, [6])]);
  gradcheck("linear folded bias, square", linear, [randTensor(rng, [4, 5]), randTensor(rng, [5, 5]), randTensor(rng, [5])]);
  // against the plain formula
  const x = randTensor(rng, [7, 4]);
  const w = randTensor(rng, [9, 4]);
  const b = randTensor(rng, [9]);
  const y = linear(x, w, b);
  for (let r = 0; r < 7; r++) {
    for (let j = 0; j < 9; j++) {
      let s = b.data[j];
      for (let i = 0; i < 4; i++) s += x.data[r * 4 + i] * w.data[j * 4 + i];
      assert.ok(Math.abs(y.data[r * 9 + j] - s) < 1e-5, `y[${r}, ${j}]`);
    }
  }
});

test("linearCrossEntropy equals crossEntropy(linear(...)) in value and gradients, chunked or not", () => {
  const rng = new Rng(3);
  for (const withBias of [true, false]) {
    for (const chunkRows of [undefined, 1, 3, 100]) {
      const x = randTensor(rng, [2, 4, 5]);
      const w = randTensor(rng, [11, 5]);
      const b = withBias ? randTensor(rng, [11]) : null;
      const targets = Int32Array.from([3, 0, 10, 2, 0, 7, 5, 0]); // 0 is ignored
      const opts = { ignoreIndex: 0, labelSmoothing: 0.1 };
      const ref = crossEntropy(linear(x, w, b), targets, opts);
      scale(ref, 0.5).backward();
      const [gx, gw, gb] = [x.grad!, w.grad!, b?.grad ?? null];
      x.grad = null;
      w.grad = null;
      if (b) b.grad = null;
      const fused = linearCrossEntropy(x, w, b, targets, { ...opts, chunkRows });
      assert.ok(Math.abs(fused.item() - ref.item()) < 1e-5, `loss ${fused.item()} vs ${ref.item()}`);
      scale(fused, 0.5).backward();
      const close = (u: Float32Array, v: Float32Array, what: string): void => {
        assert.equal(u.length, v.length);
        for (let i = 0; i < u.length; i++) assert.ok(Math.abs(u[i] - v[i]) < 1e-6, `${what}[${i}]: ${u[i]} vs ${v[i]}`);
      };
      close(x.grad!, gx, "dx");
      close(w.grad!, gw, "dW");
      if (b) close(b.grad!, gb!, "db");
    }
  }
  gradcheck("linearCrossEntropy", (x, w, b) => linearCrossEntropy(x, w, b, Int32Array.from([1, 0, 2, 4, 3, 1]),
    { ignoreIndex: 0, labelSmoothing: 0.2, chunkRows: 4 }), [randTensor(rng, [6, 3]), randTensor(rng, [5, 3]), randTensor(rng, [5])]);
  // every target ignored: loss 0, no gradient
  const x = randTensor(rng, [2, 3]);
  const none = linearCrossEntropy(x, randTensor(rng, [4, 3]), null, Int32Array.from([0, 0]), { ignoreIndex: 0 });
  assert.equal(none.item(), 0);
});
