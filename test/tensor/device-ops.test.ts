/**
 * The ops that used to loop on the host (transpose, maskedMeanPool, tanh) on the emulated device (js-device: the
 * reference kernels behind the device protocol, stale host copies poisoned): forward and backward read nothing back
 * — the device's download count stays where it was until the test itself reads the results — and the values and
 * gradients are the CPU reference backend's, bit for bit (the emulation runs the same kernels).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backend, jsBackend, setBackend, type Backend } from "../../src/backend/index.js";
import { createEmulatedBackend } from "../../src/backend/device/emulated.js";
import { Rng, Tensor, maskedMeanPool, transpose } from "../../src/tensor/index.js";
import { tanh } from "../../src/tensor/ops/tanh.js";
import { randTensor } from "../helpers/gradcheck.js";

interface Run {
  y: Float32Array;
  grad: Float32Array;
  downloads: number;
}

/**
 * op on a fresh copy of x on backend be, twice with different seeds (the second backward adds into the grad the
 * first one left): the output, the accumulated gradient, and the downloads before the results were read.
 */
function runOn(be: Backend & { stats?: () => { downloads: number } }, op: (x: Tensor) => Tensor, x0: Tensor, seeds: Float32Array[]): Run {
  const prev = backend();
  setBackend(be);
  try {
    const x = new Tensor(x0.buf.slice(), x0.shape, true);
    const before = be.stats?.().downloads ?? 0;
    let y: Tensor | null = null;
    for (const seed of seeds) {
      y = op(x);
      y.backward(seed.slice());
    }
    const downloads = (be.stats?.().downloads ?? 0) - before;
    return { y: y!.data.slice(), grad: x.grad!.slice(), downloads };
  } finally {
    setBackend(prev);
  }
}

function seedsFor(rng: Rng, n: number): Float32Array[] {
  return [0, 1].map(() => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1));
}

const rng = new Rng(11);
const pad = (B: number, T: number, allPadSentence: number): Uint8Array =>
  Uint8Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) === allPadSentence ? 1 : +(rng.uniform() < 0.3)));

const pad371 = pad(3, 7, 1);

const cases: Array<[string, (x: Tensor) => Tensor, number[]]> = [
  ["transpose (2, 3, 4) dims 1, 2", (x) => transpose(x, 1, 2), [2, 3, 4]],
  ["transpose (4, 1, 3, 5) dims 0, 3", (x) => transpose(x, 0, 3), [4, 1, 3, 5]],
  ["transpose (2, 3, 4, 5, 6) dims 3, 1 (five groups: one copy per leading index)", (x) => transpose(x, 3, 1), [2, 3, 4, 5, 6]],
  ["transpose (3, 5) dims 1, 1 (a copy)", (x) => transpose(x, 1, 1), [3, 5]],
  ["transpose (1, 1) dims 0, 1 (one element)", (x) => transpose(x, 0, 1), [1, 1]],
  ["maskedMeanPool (3, 7, 5) padded, sentence 1 all padding", (x) => maskedMeanPool(x, pad371), [3, 7, 5]],
  ["maskedMeanPool (2, 4, 9) without a mask", (x) => maskedMeanPool(x, null), [2, 4, 9]],
  ["tanh (5, 13)", (x) => tanh(x), [5, 13]],
];

describe("host-loop ops moved onto kernels, on the emulated device", () => {
  const device = createEmulatedBackend();
  for (const [name, op, shape] of cases) {
    it(`${name}: no readback, the reference's bits`, () => {
      const x = randTensor(rng, shape, -2, 2);
      const outSize = op(x.detach()).size;
      const seeds = seedsFor(rng, outSize);
      const cpu = runOn(jsBackend, op, x, seeds);
      const dev = runOn(device, op, x, seeds);
      assert.equal(dev.downloads, 0, `${dev.downloads} downloads during forward and backward`);
      assert.deepEqual(new Uint32Array(dev.y.buffer), new Uint32Array(cpu.y.buffer), "output bits");
      assert.deepEqual(new Uint32Array(dev.grad.buffer), new Uint32Array(cpu.grad.buffer), "gradient bits");
    });
  }
});
