/**
 * The layers above the kernels on the device backends (src/backend/device): the emulated device with its coherence
 * checks (js-device, which turns any host access that skipped toHost into a failure), and WebGPU on whatever
 * adapter is here (SwiftShader in CI). Each must pass the PyTorch reference cases, decode the same cached as
 * uncached, train 20 seeded steps with the CPU's losses, and read back only what the host needs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { backend, setBackend, type Backend } from "../../src/backend/index.js";
import { useCpuBackend } from "../../src/backend/select.js";
import { DeviceError } from "../../src/errors.js";
import type { DeviceBackend } from "../../src/backend/device/backend.js";
import { createEmulatedBackend } from "../../src/backend/device/emulated.js";
import { webgpuBackendForTests } from "./webgpu-setup.js";
import { formatResult, runCase } from "../../src/conformance/run-case.js";
import { generate, greedyDecodeUncached } from "../../src/generate/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { Seq2Seq, initParameters, tokenBatch, type Seq2SeqConfig } from "../../src/models/index.js";
import { Rng } from "../../src/tensor/index.js";
import { Adam, trainStep } from "../../src/train/index.js";
import { presetConfig } from "../../src/train/presets.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");
const cpu = await useCpuBackend(); // the fastest CPU backend here (native in CI), whatever TRANSFORMER_BACKEND says: what the device backends are held to


const gpu = await webgpuBackendForTests("webgpu backend tests");
after(() => gpu.be?.dispose());

/** 20 steps of the tiny preset (dropout 0.1, label smoothing, clipping, Adam at lr 1e-3) from seed 1. */
function trainLosses(steps = 20): number[] {
  const V = 200;
  const config = presetConfig("seq2seq", "tiny", { srcVocabSize: V, tgtVocabSize: V, maxLen: 64, dropout: 0.1 }) as Seq2SeqConfig;
  const model = new Seq2Seq(config, new Rng(1));
  initParameters(model, 1);
  model.train();
  const rng = new Rng(2);
  const rows = (n: number, len: number, first?: number) =>
    Array.from({ length: n }, () => Array.from({ length: len }, (_, i) => (i === 0 && first !== undefined ? first : 3 + rng.int(V - 3))));
  const src = tokenBatch(rows(4, 10));
  const tgt = rows(4, 9, config.bos_id);
  const batch = { kind: "seq2seq" as const, src, tgtIn: tokenBatch(tgt.map((r) => r.slice(0, -1))), tgtOut: Int32Array.from(tgt.flatMap((r) => r.slice(1))) };
  const opt = new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9 });
  return Array.from({ length: steps }, (_, i) =>
    trainStep(model, opt, [batch], { labelSmoothing: 0.1, clip: 1, lr: 1e-3 }).loss);
}

const reverser = () => loadCheckpoint(path.join(FIXTURES, "seq2seq_greedy")).model as Seq2Seq;

function randomSources(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 3 + rng.int(5) }, () => 3 + rng.int(8)));
}

const on = <T>(b: Backend, fn: () => T): T => {
  const prev = backend();
  setBackend(b);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
};

/** A random-weight model that never emits eos (its output bias is -1e9), so a search runs all its steps. */
function endless(): Seq2Seq {
  const config = presetConfig("seq2seq", "tiny", { srcVocabSize: 300, tgtVocabSize: 300, maxLen: 128, dropout: 0 }) as Seq2SeqConfig;
  const model = new Seq2Seq(config, new Rng(4));
  initParameters(model, 4);
  model.generator.bias!.data[config.eos_id] = -1e9;
  model.eval();
  return model;
}

const beamOf = (model: Seq2Seq, srcs: number[][]) =>
  generate(model, srcs, { strategy: "beam", numBeams: 3, numReturnSequences: 3, maxNewTokens: 10 }).results;

const cpuLosses = on(cpu, () => trainLosses());
const cpuTokens = on(cpu, () => generate(reverser(), randomSources(6, 3), { maxNewTokens: 12 }).results.map((h) => h[0].tokens));
const cpuBeams = on(cpu, () => beamOf(reverser(), randomSources(4, 5)));

for (const [name, make, skip, lossTolerance] of [
  // float32 sums in another order (the CPU backend is native in CI, the emulation runs the reference kernels, the
  // GPU its own tiles) drift apart a little over the steps
  ["js-device", () => createEmulatedBackend(), false, 1e-5],
  ["webgpu", () => gpu.be!, gpu.skip, 1e-4],
] as const) {
  describe(`the model on the ${name} backend`, { skip }, () => {
    let be: DeviceBackend;
    before(() => {
      be = make();
      setBackend(be);
    });
    after(() => setBackend(cpu));

    for (const c of fs.readdirSync(FIXTURES).sort()) {
      it(`passes the PyTorch reference case ${c}`, () => {
        const r = runCase(path.join(FIXTURES, c));
        assert.ok(r.ok, formatResult(r));
      });
    }

    it("decodes with the KV cache as without it, and as the CPU does", () => {
      const model = reverser();
      const srcs = randomSources(6, 3);
      const cached = generate(model, srcs, { maxNewTokens: 12 }).results.map((h) => h[0].tokens);
      assert.deepEqual(cached, cpuTokens);
      const uncached = greedyDecodeUncached(model, tokenBatch(srcs, model.config.pad_id), 12).map((row) => {
        const body = row.slice(1);
        const end = body.indexOf(model.config.eos_id);
        return end < 0 ? body : body.slice(0, end + 1);
      });
      assert.deepEqual(cached, uncached);
    });

    it("searches beams as the CPU does (the same hypotheses, scores within 1e-4)", () => {
      const beams = beamOf(reverser(), randomSources(4, 5));
      assert.deepEqual(beams.map((hs) => hs.map((h) => h.tokens)), cpuBeams.map((hs) => hs.map((h) => h.tokens)));
      beams.flat().forEach((h, i) => {
        const want = cpuBeams.flat()[i].score;
        assert.ok(Math.abs(h.score - want) <= 1e-4 * Math.max(1, Math.abs(want)), `hypothesis ${i}: score ${h.score}, the CPU's ${want}`);
      });
    });

    it("keeps the KV cache on the device: a greedy step reads back the logits and their log-sum-exp, and does not send the cache", () => {
      const model = endless();
      const srcs = randomSources(2, 6);
      const traffic = (n: number) => {
        const s0 = be.stats();
        const tokens = generate(model, srcs, { maxNewTokens: n }).results.map((h) => h[0].tokens.length);
        assert.deepEqual(tokens, [n, n]);
        const s1 = be.stats();
        return { downloads: s1.downloads - s0.downloads, uploadBytes: s1.uploadBytes - s0.uploadBytes };
      };
      traffic(2); // the weights go up once
      const short = traffic(20), long = traffic(40);
      const perStep = { downloads: (long.downloads - short.downloads) / 20, uploadBytes: (long.uploadBytes - short.uploadBytes) / 20 };
      // one layer's cached keys at 40 tokens: (B, 40, dModel) floats. A cache written on the host would go up
      // whole every step, 2 × numDecoderLayers of them; here a step sends its tokens and the logits row it
      // reads back (the log-sum-exp kernel), plus the doubling of the cache's capacity, spread over the steps.
      const cacheBytes = 2 * 40 * model.config.d_model * 4;
      assert.ok(perStep.downloads <= 2, `${perStep.downloads} downloads a step`);
      assert.ok(perStep.uploadBytes < cacheBytes, `${perStep.uploadBytes} bytes uploaded a step, one layer's cache is ${cacheBytes}`);
    });

    it(`trains 20 seeded steps with the CPU's losses (relative difference ≤ ${lossTolerance})`, () => {
      const losses = trainLosses();
      const worst = Math.max(...losses.map((l, i) => Math.abs(l - cpuLosses[i]) / Math.abs(cpuLosses[i])));
      console.log(`${name}: 20 training steps, worst relative loss difference from ${cpu.name} ${worst.toExponential(2)}`);
      losses.forEach((l, i) => {
        const rel = Math.abs(l - cpuLosses[i]) / Math.abs(cpuLosses[i]);
        assert.ok(rel <= lossTolerance, `step ${i + 1}: loss ${l} vs the CPU's ${cpuLosses[i]} (relative ${rel.toExponential(2)})`);
      });
      assert.ok(losses[19] < losses[0] - 0.2, `the loss fell from ${losses[0]} to ${losses[19]}`);
    });

    it("reads back only the loss and the clipping norms in a training step, and copies in only its inputs", () => {
      trainLosses(2); // warm: every parameter has its device copy
      const before = be.stats();
      trainLosses(1);
      const after = be.stats();
      // building a model uploads its weights once; the step itself: the loss, the grad-norm parts, one gradient seed
      assert.ok(after.downloads - before.downloads <= 3, `${after.downloads - before.downloads} downloads in one step`);
    });
  });
}

describe("errors on the GPU", { skip: gpu.skip }, () => {
  it("a kernel that fails in the GPU's worker is one line at the next read, and the backend goes on", () => {
    const be = gpu.be!;
    const c = new Float32Array(70000);
    be.gemm({ m: 1, n: 1, k: 1, a: new Float32Array(70000), b: new Float32Array(70000), c, batch: 70000 });
    // a DeviceError: user-facing, one line (the CLI prints it without a stack; a training run names its checkpoint)
    assert.throws(() => be.toHost(c), (e: unknown) => e instanceof DeviceError && /^webgpu backend: webgpu gemm: batch 70000 is over 65535$/.test(e.message));
    const x = Float32Array.of(-1, 2), out = new Float32Array(2);
    be.relu(x, out, 2);
    be.toHost(out);
    assert.deepEqual([...out], [0, 2]);
  });
});
