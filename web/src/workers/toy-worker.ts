/**
 * The toy worker: trains a tiny seq2seq model on copy/reverse in a loop that yields between steps (so "stop"
 * gets through), streaming the loss to the page; then shows it a few fresh sequences.
 */
import { generate } from "../../../src/generate/index.js";
import { inspectSeq2Seq } from "../../../src/inspect/index.js";
import { Seq2Seq } from "../../../src/models/seq2seq.js";
import { initParameters } from "../../../src/models/init.js";
import { Rng } from "../../../src/tensor/index.js";
import { Adam } from "../../../src/train/optimizer.js";
import { noamRate } from "../../../src/train/schedule.js";
import { trainStep } from "../../../src/train/step.js";
import type { ToyApi, ToyExample, ToyProgress } from "../protocol.js";
import { type Handlers, serveWorker } from "../rpc.js";
import { chooseBackend, leaveLostGpu } from "./backend.js";
import { checkToyParams, randomSequence, spell, symbolLabel, target, toyBatch, toyConfig } from "./toy-task.js";

/** noam schedule (paper §5.3) with a short warm-up, as the Annotated Transformer's copy task. */
const WARMUP = 100;
const LR_FACTOR = 1;
/** Progress events per second at most. */
const PROGRESS_HZ = 30;
const EXAMPLES = 6;
const TESTED = 100;

let stopRequested = false;

/** Lets queued messages (stop) in between two steps; MessageChannel is not clamped like setTimeout. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

const handlers: Handlers<ToyApi> = {
  init: (p) => chooseBackend(p),

  stop() {
    stopRequested = true;
    return true;
  },

  async train(p, ctx) {
    checkToyParams(p);
    stopRequested = false;
    const cfg = toyConfig(p);
    const model = new Seq2Seq(cfg, new Rng(p.seed));
    initParameters(model, p.seed);
    model.train();
    const params = model.parameters();
    const opt = new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9 });
    const rng = new Rng(p.seed + 1);
    const t0 = performance.now();
    const deadline = t0 + p.seconds * 1000;
    let step = 0;
    let lastEmit = -Infinity;
    let pending: ToyProgress[] = [];
    while (performance.now() < deadline && !stopRequested) {
      const { loss: value } = trainStep(model, opt, [toyBatch(p, rng, cfg)], { labelSmoothing: 0, clip: 1, lr: noamRate(step + 1, cfg.d_model, LR_FACTOR, WARMUP) });
      step++;
      const now = performance.now();
      pending.push({ step, loss: value, lr: opt.lr, elapsedMs: now - t0 });
      if (now - lastEmit > 1000 / PROGRESS_HZ) {
        for (const e of pending) ctx.emit(e);
        pending = [];
        lastEmit = now;
      }
      await yieldToEvents();
    }
    for (const e of pending) ctx.emit(e);
    const elapsedMs = performance.now() - t0;
    model.eval();

    const testRng = new Rng(p.seed + 2);
    const inputs = Array.from({ length: TESTED }, () => randomSequence(p, testRng));
    const outputs = generate(model, inputs, { strategy: "greedy", maxNewTokens: p.maxLen + 1 }).results.map((r) => r[0].tokens);
    let correct = 0;
    const examples: ToyExample[] = [];
    inputs.forEach((src, i) => {
      const want = target(p, src);
      const got = outputs[i].filter((t) => t !== cfg.eos_id);
      const ok = outputs[i].length === want.length + 1 && outputs[i][want.length] === cfg.eos_id && got.every((t, j) => t === want[j]);
      if (ok) correct++;
      if (i < EXAMPLES) examples.push({ input: spell(src), expected: spell(want), output: spell(got), correct: ok });
    });
    const body = outputs[0].filter((t) => t !== cfg.eos_id);
    const inspection = inspectSeq2Seq(model, inputs[0], [cfg.bos_id, ...body].slice(0, cfg.max_len), { sourceLabel: symbolLabel, targetLabel: symbolLabel });
    return {
      steps: step, elapsedMs, stopped: stopRequested,
      config: `seq2seq, ${cfg.num_encoder_layers}+${cfg.num_decoder_layers} layers, d_model ${cfg.d_model}, ${cfg.num_heads} heads, d_ff ${cfg.d_ff}, vocabulary ${cfg.src_vocab_size}`,
      parameters: params.reduce((s, t) => s + t.size, 0),
      examples, accuracy: correct / TESTED, tested: TESTED, inspection,
    };
  },
};

// a lost GPU: the toy's training is gone with it; the next one trains on WebAssembly (the page's backend line is
// the model worker's, so no notice)
serveWorker<ToyApi>(handlers, async (err) => {
  const left = await leaveLostGpu(err);
  return left && { message: `${left.why}; the toy switched to ${left.info.name}: train again` };
});
