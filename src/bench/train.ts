/**
 * Training-step speed: a seq2seq model at a preset size with 8000-token source and target vocabularies, one batch
 * of 64 × 32 source and 64 × 32 target tokens (no padding), forward, label-smoothed loss, backward, clipping and
 * an Adam step — the step that bench/train_torch.py times in PyTorch. Random weights and ids: speed does not
 * depend on them.
 */
import { backend } from "../backend/index.js";
import { type Seq2SeqConfig, Seq2Seq, initParameters, tokenBatch } from "../models/index.js";
import { Rng } from "../tensor/index.js";
import { Adam, noamRate, trainStep } from "../train/index.js";
import { presetConfig } from "../train/presets.js";
import { ranOn, type AdapterInfo } from "./ran-on.js";

export interface TrainBenchOptions {
  preset: string;
  /** Timed steps (after one untimed warm-up step). @default 3 */
  steps?: number;
  batch?: number;
  srcLen?: number;
  tgtLen?: number;
  vocab?: number;
  log?: (line: string) => void;
}

export interface TrainBenchResult {
  preset: string;
  /** The kernels it ran on (describeBackend), and a GPU backend's adapter. */
  backend: string;
  adapter?: AdapterInfo;
  step_s: number;
  tokens_per_s: number;
  /** source + target tokens in a step */
  tokens_per_step: number;
  steps: number;
}

function randomRows(rng: Rng, rows: number, len: number, vocab: number, first?: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: len }, (_, i) => (i === 0 && first !== undefined ? first : 3 + rng.int(vocab - 3))));
}

export function benchTrain(o: TrainBenchOptions): TrainBenchResult {
  const B = o.batch ?? 64, S = o.srcLen ?? 32, T = o.tgtLen ?? 32, V = o.vocab ?? 8000;
  const steps = o.steps ?? 3;
  const config = presetConfig("seq2seq", o.preset, { srcVocabSize: V, tgtVocabSize: V, maxLen: 512, dropout: 0.1 }) as Seq2SeqConfig;
  const model = new Seq2Seq(config, new Rng(1));
  initParameters(model, 1);
  model.train();
  const rng = new Rng(2);
  const src = tokenBatch(randomRows(rng, B, S, V));
  const tgt = randomRows(rng, B, T + 1, V, config.bos_id);
  const batch = {
    kind: "seq2seq" as const, src, tgtIn: tokenBatch(tgt.map((r) => r.slice(0, -1))), tgtOut: Int32Array.from(tgt.flatMap((r) => r.slice(1))),
  };
  const opt = new Adam(model.namedParameters(), { lr: 0, betas: [0.9, 0.98], eps: 1e-9 });
  // a device backend (webgpu) may still be running a step's last kernels when trainStep returns: wait for them
  const sync = (backend() as { sync?: () => void }).sync?.bind(backend()) ?? (() => {});
  const step = (i: number) => {
    trainStep(model, opt, [batch], { labelSmoothing: 0.1, clip: 1, lr: noamRate(i + 1, config.d_model, 1, 400) });
    sync();
  };
  step(0); // warm-up: JIT, buffer growth
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    const s0 = performance.now();
    step(i);
    o.log?.(`step ${i}/${steps}: ${((performance.now() - s0) / 1000).toFixed(3)} s`);
  }
  const stepS = (performance.now() - t0) / 1000 / steps;
  const tokens = B * (S + T);
  return { preset: o.preset, ...ranOn(), step_s: stepS, tokens_per_s: tokens / stepS, tokens_per_step: tokens, steps };
}
