/**
 * The encoder-only classifier's pooling on the emulated device (js-device): mean pooling over the positions not
 * padded, and the first token through the pooler (dense + tanh). A forward, the loss and the backward read back the
 * loss only, and the loss and every parameter's gradient are the CPU reference backend's, bit for bit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backend, jsBackend, setBackend, type Backend } from "../../src/backend/index.js";
import { createEmulatedBackend } from "../../src/backend/device/emulated.js";
import { EncoderOnly, buildModel, initParameters, parseConfig, tokenBatch } from "../../src/models/index.js";
import { crossEntropy } from "../../src/tensor/index.js";

const BASE = { architecture: "encoder_only", d_model: 16, num_heads: 4, d_ff: 32, dropout: 0, vocab_size: 14, num_layers: 2, num_classes: 3 };

/** One forward and backward of a fresh seeded model on `be`: the loss, each gradient, the downloads in between. */
function step(be: Backend & { stats?: () => { downloads: number } }, extra: object): { loss: number; grads: Float32Array[]; downloads: number } {
  const prev = backend();
  setBackend(be);
  try {
    const model = buildModel(parseConfig({ ...BASE, ...extra })) as EncoderOnly;
    initParameters(model, 3);
    model.train();
    // sentences of 5, 3 and 1 tokens, padded (pad_id 0) to 5
    const ids = tokenBatch([[3, 4, 5, 6, 7], [8, 9, 10], [11]], 0);
    const before = be.stats?.().downloads ?? 0;
    const loss = crossEntropy(model.forward(ids), Int32Array.from([0, 2, 1]));
    loss.backward();
    const downloads = (be.stats?.().downloads ?? 0) - before;
    return { loss: loss.item(), grads: model.namedParameters().map(([, p]) => p.grad!.slice()), downloads };
  } finally {
    setBackend(prev);
  }
}

describe("the encoder-only classifier's pooling on the emulated device", () => {
  const device = createEmulatedBackend();
  for (const [name, extra] of [["mean pooling", { pooling: "mean" }], ["the first token through the pooler (tanh)", { pooling: "first", pooler: true }]] as const) {
    it(`${name}: reads back the loss only; the CPU's loss and gradients, bit for bit`, () => {
      const cpu = step(jsBackend, extra);
      const dev = step(device, extra);
      assert.ok(dev.downloads <= 1, `${dev.downloads} downloads in a forward and backward`);
      assert.equal(dev.loss, cpu.loss);
      assert.equal(dev.grads.length, cpu.grads.length);
      dev.grads.forEach((g, i) => assert.deepEqual(new Uint32Array(g.buffer), new Uint32Array(cpu.grads[i].buffer), `gradient ${i}`));
    });
  }
});
