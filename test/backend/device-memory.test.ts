/**
 * Device memory stays flat over long training and decoding on the device backends (src/backend/device). A device
 * copy is freed when its host array is garbage collected (a FinalizationRegistry), which runs when the loop yields:
 * the run layer yields every step, and so do these loops. At checkpoints a full collection is forced, so that the
 * buffers still alive are exactly the ones in use; their count must be the same at every checkpoint (a leak of one
 * buffer a step would show as hundreds), and the GPU pool, which keeps freed buffers for reuse, must stop growing.
 *
 * Between checkpoints the host's garbage collector decides when garbage goes: V8 counts a host array's bytes, and
 * every device copy has a host array of the same size, so the device holds at most as much garbage as the host
 * would on a CPU backend (for this small model it collects rarely, and the GPU pool, which keeps freed buffers for
 * reuse, grows until it does: the test prints the pool's size but holds only the buffers in use to account).
 *
 * js-device runs the issue's full counts (1,000 steps, 10,000 tokens); WebGPU on SwiftShader runs 20 steps and
 * 3,000 tokens in CI (a software GPU: seconds a step), the full counts with TRANSFORMER_LONG_TESTS=1.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { setBackend } from "../../src/backend/index.js";
import { useCpuBackend } from "../../src/backend/select.js";
import type { DeviceBackend } from "../../src/backend/device/backend.js";
import type { DeviceMemory } from "../../src/backend/device/device.js";
import { createEmulatedBackend } from "../../src/backend/device/emulated.js";
import { webgpuBackendForTests } from "./webgpu-setup.js";
import { generate } from "../../src/generate/index.js";
import { Seq2Seq, initParameters, parseConfig, tokenBatch, type Seq2SeqConfig } from "../../src/models/index.js";
import { Rng } from "../../src/tensor/index.js";
import { Adam, trainStep } from "../../src/train/index.js";

const LONG = process.env.TRANSFORMER_LONG_TESTS === "1";
const cpu = await useCpuBackend();

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Memory after full collections, and the finalizers they queued (which run on later turns of the loop), until the
 * count of device copies stops changing.
 */
async function settled(be: DeviceBackend): Promise<DeviceMemory> {
  let last = -1;
  for (let i = 0; i < 20 && be.stats().buffers !== last; i++) {
    last = be.stats().buffers;
    gc();
    await turn();
    await turn();
  }
  return be.device.memory!();
}

const gpu = await webgpuBackendForTests("webgpu memory tests");
after(() => gpu.be?.dispose());

const V = 64;
const config = () => parseConfig({
  architecture: "seq2seq", d_model: 16, num_heads: 2, d_ff: 32, num_encoder_layers: 1, num_decoder_layers: 1,
  src_vocab_size: V, tgt_vocab_size: V, dropout: 0.1, max_len: 256,
}) as Seq2SeqConfig;

// slack: buffers in use a later checkpoint may hold beyond the first. The emulation's count has matched exactly in
// every run; on WebGPU 2 of 5 runs had 8 more in use in the GPU's pool at a later checkpoint of the decoding than at
// the first (not yet explained; the test now logs the host's count of device copies beside it). A leak of a buffer
// a step or a call would show as hundreds.
for (const [name, make, skip, steps, tokens, slack] of [
  ["js-device", () => createEmulatedBackend(), false, 1000, 10_000, 0],
  ["webgpu", () => gpu.be!, gpu.skip, LONG ? 1000 : 20, LONG ? 10_000 : 3_000, 16],
] as const) {
  describe(`device memory on ${name}`, { skip }, () => {
    let be: DeviceBackend;
    before(() => {
      be = make();
      setBackend(be);
    });
    after(() => setBackend(cpu));

    it(`stays flat over ${steps} training steps`, async () => {
      const cfg = config();
      const model = new Seq2Seq(cfg, new Rng(1));
      initParameters(model, 1);
      model.train();
      const rng = new Rng(2);
      const rows = (n: number, len: number, first?: number) =>
        Array.from({ length: n }, () => Array.from({ length: len }, (_, i) => (i === 0 && first !== undefined ? first : 3 + rng.int(V - 3))));
      const tgt = rows(4, 7, cfg.bos_id);
      const batch = { kind: "seq2seq" as const, src: tokenBatch(rows(4, 8)), tgtIn: tokenBatch(tgt.map((r) => r.slice(0, -1))), tgtOut: Int32Array.from(tgt.flatMap((r) => r.slice(1))) };
      const opt = new Adam(model.namedParameters(), { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-9 });
      const checkpoints = checkpointsOf(steps);
      const seen: Array<{ step: number; memory: DeviceMemory }> = [];
      let first = 0, last = 0;
      for (let step = 1; step <= steps; step++) {
        const loss = trainStep(model, opt, [batch], { labelSmoothing: 0.1, clip: 1, lr: 1e-3 }).loss;
        if (step === 1) first = loss;
        last = loss;
        await turn(); // as the run layer does between steps
        if (checkpoints.includes(step)) seen.push({ step, memory: await settled(be) });
      }
      console.log(`${name}: ${steps} steps, loss ${first.toFixed(3)} → ${last.toFixed(3)}; device memory ${seen.map((s) => `step ${s.step}: ${s.memory.buffers} buffers, ${s.memory.bytes} bytes (${s.memory.free} free)`).join("; ")}`);
      assert.ok(last < first, `the loss fell (${first} → ${last})`);
      assertFlat(seen, slack);
    });

    it(`stays flat over ${tokens.toLocaleString("en")} decoded tokens`, async () => {
      const cfg = config();
      const model = new Seq2Seq(cfg, new Rng(3));
      initParameters(model, 3);
      model.generator.bias!.data[cfg.eos_id] = -1e9; // never eos: every call decodes all its tokens
      model.eval();
      const rng = new Rng(4);
      const rowsPerCall = 20, perRow = 50; // 1,000 tokens a call
      const calls = tokens / (rowsPerCall * perRow);
      const checkpoints = checkpointsOf(calls);
      const seen: Array<{ step: number; memory: DeviceMemory; copies: number }> = [];
      let decoded = 0;
      for (let call = 1; call <= calls; call++) {
        const srcs = Array.from({ length: rowsPerCall }, () => Array.from({ length: 4 + rng.int(8) }, () => 3 + rng.int(V - 3)));
        decoded += generate(model, srcs, { maxNewTokens: perRow }).results.reduce((n, h) => n + h[0].tokens.length, 0);
        await turn();
        if (checkpoints.includes(call)) seen.push({ step: decoded, memory: await settled(be), copies: be.stats().buffers });
      }
      console.log(`${name}: ${decoded} tokens decoded; device memory ${seen.map((s) => `after ${s.step} tokens: ${s.memory.buffers} buffers, ${s.memory.bytes} bytes (${s.memory.free} free), ${s.copies} host copies`).join("; ")}`);
      assert.equal(decoded, tokens);
      assertFlat(seen, slack);
    });
  });
}

/** A tenth of the way, half way and the end (whole numbers, each once). */
function checkpointsOf(n: number): number[] {
  return [...new Set([Math.ceil(n / 10), Math.ceil(n / 2), n])];
}

/**
 * The buffers in use after a full collection are the same at every checkpoint (the model, its optimizer state,
 * nothing else), give or take `slack`.
 */
function assertFlat(seen: Array<{ step: number; memory: DeviceMemory }>, slack: number): void {
  const inUse = seen.map((s) => s.memory.buffers - s.memory.free);
  for (let i = 1; i < seen.length; i++) {
    const what = `buffers in use at ${seen[i].step}: ${inUse[i]}, at ${seen[0].step}: ${inUse[0]}`;
    if (slack === 0) assert.equal(inUse[i], inUse[0], what);
    else assert.ok(Math.abs(inUse[i] - inUse[0]) <= slack, `${what} (more than ${slack} apart)`);
  }
}
