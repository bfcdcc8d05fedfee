import { toHost } from "../backend/index.js";
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { readJsonFile } from "../io/read-json.js";
import { fsCall } from "../io/fs-error.js";
import type { NamedTensor } from "../models/safetensors.js";
import { readSafetensors, writeSafetensors } from "../models/safetensors-file.js";
import type { Adam } from "../train/optimizer.js";
import { OPTIMIZER_FILE, STATE_FILE } from "./format.js";

/** Everything besides the weights that a resumed run needs to continue exactly where it stopped. */
export interface TrainingState {
  /** Optimizer steps taken. */
  step: number;
  /** Epoch in progress and how many of its batches were consumed. */
  epoch: number;
  batchInEpoch: number;
  /** The dropout RNG's state. */
  rng: number[];
  bestValidLoss: number | null;
  /** The step whose evaluation gave bestValidLoss (best/ holds it). Absent in runs saved before it was kept. */
  bestStep?: number | null;
  /** The step of the latest evaluation, so that a run resumed at its end does the final one exactly once. */
  evaluatedStep?: number;
  /**
   * The byte length of metrics.jsonl when the checkpoint was saved: a resume drops what was logged after it.
   * Absent in runs saved before it was kept.
   */
  metricsBytes?: number;
  elapsedSeconds: number;
  tokensSeen: number;
  /** The options the run was started with (data files, schedule, seed, ...). */
  options: Record<string, unknown>;
  /**
   * How batchTokens counts: "per-side" (each side of a pair within the budget). Runs saved before this field
   * existed counted source and target together; their batches cannot be rebuilt, so they are not resumed.
   */
  batching?: "per-side";
}

/** Adam's moments as m.NAME / v.NAME tensors, its step count in the metadata. */
export function saveOptimizer(file: string, opt: Adam, step: number): void {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, p] of opt.params) {
    const s = opt.slots.get(name)!;
    toHost(s.m); // the moments live where the optimizer's kernels run
    toHost(s.v);
    tensors.set(`m.${name}`, { shape: [...p.shape], data: s.m });
    tensors.set(`v.${name}`, { shape: [...p.shape], data: s.v });
  }
  writeSafetensors(file, tensors, { adam_step: String(opt.stepCount), training_step: String(step) });
}

export function loadOptimizer(file: string, opt: Adam, expectedStep: number): void {
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (needed to resume training)`);
  const { tensors, metadata } = readSafetensors(file);
  if (Number(metadata.training_step) !== expectedStep) {
    throw new CheckpointError(`${file}: saved at step ${metadata.training_step}, but ${STATE_FILE} says step ${expectedStep} (an interrupted save?)`);
  }
  for (const [name, p] of opt.params) {
    for (const which of ["m", "v"] as const) {
      const t = tensors.get(`${which}.${name}`);
      if (!t) throw new CheckpointError(`${file}: missing tensor "${which}.${name}"`);
      if (t.data.length !== p.size) throw new CheckpointError(`${file}: tensor "${which}.${name}" has ${t.data.length} values, expected ${p.size}`);
      const slot = opt.slots.get(name)![which];
      toHost(slot);
      slot.set(t.data);
    }
  }
  opt.stepCount = Number(metadata.adam_step);
}

export function saveState(dir: string, state: TrainingState): void {
  const file = path.join(dir, STATE_FILE);
  fsCall(file, "write", () => writeFileAtomic(file, JSON.stringify(state, null, 2) + "\n"));
}

export function loadState(dir: string): TrainingState {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (the folder is not a training run to resume)`);
  const s = readJsonFile(file, CheckpointError) as TrainingState;
  for (const k of ["step", "epoch", "batchInEpoch"] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) throw new CheckpointError(`${file}: "${k}" must be a non-negative integer`);
  }
  for (const k of ["bestStep", "evaluatedStep", "metricsBytes"] as const) {
    const v = s[k];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 0)) throw new CheckpointError(`${file}: "${k}" must be a non-negative integer`);
  }
  if (!Array.isArray(s.rng) || s.rng.length !== 4) throw new CheckpointError(`${file}: "rng" must be 4 numbers`);
  if (s.batching !== "per-side") {
    throw new CheckpointError(
      `${file}: saved by an older version whose --batch-tokens counted source and target tokens together (now: each side); ` +
        "its batches cannot be rebuilt, so it cannot be resumed exactly. Its weights still load for translate/eval; start a new run to train on",
    );
  }
  return s;
}
