import * as fs from "node:fs";
import type { TextColumns } from "../train/dataset.js";
import { OptionError } from "../errors.js";
import type { Architecture } from "../models/index.js";
import { presetLrFactor } from "../train/presets.js";

/** Options of a training run; the CLI's flags map onto these one to one. */
export interface TrainOptions extends TextColumns {
  arch: Architecture;
  data: string;
  valid?: string;
  out: string;
  preset: string;
  /** Total optimizer steps of the run (a resumed run counts the steps already done). */
  steps?: number;
  /** Wall-clock budget of this invocation. */
  minutes?: number;
  seed: number;
  vocabSize: number;
  sharedVocab: boolean;
  maxLen: number;
  /** Padded tokens per batch on each side (batchSize × the longer of source and target ≤ batchTokens). */
  batchTokens: number;
  /** Batches whose gradients are summed into one optimizer step. */
  accum: number;
  dropout: number;
  labelSmoothing: number;
  schedule: "noam" | "cosine";
  warmup: number;
  /** noam: lr = lrFactor · dModel^−0.5 · min(step^−0.5, step · warmup^−1.5). Default: the preset's (presets.ts). */
  lrFactor?: number;
  /** cosine: peak learning rate. */
  lr: number;
  clip: number;
  weightDecay: number;
  logEvery: number;
  evalEvery: number;
  saveEvery: number;
  /** Earlier checkpoints kept under out/checkpoints. */
  keep: number;
  /** Validation batches per evaluation (0: all). */
  validBatches: number;
}

/** The options a run records in its state: TrainOptions with the learning-rate factor resolved (every saved run has one). */
export type RunOptions = TrainOptions & { lrFactor: number };

/** What a caller gives: a new run's options, or a resume (`resume` names the run) with the options it sets again. */
export type GivenOptions = TrainOptions & { resume?: string; explicit?: ReadonlySet<string> };

/** The options that shape the model or its data: a resumed run must keep them. */
const FIXED_ON_RESUME = ["arch", "preset", "seed", "vocabSize", "sharedVocab", "maxLen", "batchTokens", "accum", "dropout",
  "labelSmoothing", "schedule", "warmup", "lrFactor", "lr", "weightDecay", "srcCol", "tgtCol", "textCol", "labelCol"] as const;

/** The options a resumed run takes from what the caller gives again. */
const PER_SITTING = ["data", "valid", "out", "steps", "minutes", "logEvery", "evalEvery", "saveEvery", "keep", "validBatches", "clip", "onBadRow"] as const;

export function checkOptions(o: TrainOptions): void {
  const posInt = (k: keyof TrainOptions) => {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) throw new OptionError(`--${kebab(k)} must be a positive integer, got ${v}`);
  };
  for (const k of ["steps", "vocabSize", "maxLen", "batchTokens", "accum", "warmup", "logEvery", "evalEvery", "saveEvery", "keep"] as const) posInt(k);
  if (o.steps === undefined && o.minutes === undefined) throw new OptionError("give --steps N or --minutes M (or both)");
  if (o.minutes !== undefined && !(o.minutes > 0)) throw new OptionError(`--minutes must be positive, got ${o.minutes}`);
  if (o.schedule === "cosine" && o.steps === undefined) throw new OptionError("--schedule cosine needs --steps (its decay is defined by the total)");
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new OptionError(`--dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) throw new OptionError(`--label-smoothing must be in [0, 1), got ${o.labelSmoothing}`);
  if (!(o.clip > 0)) throw new OptionError(`--clip must be positive, got ${o.clip}`);
  if (o.lrFactor !== undefined && !(o.lrFactor > 0)) throw new OptionError(`--lr-factor must be positive, got ${o.lrFactor}`);
  if (!(o.lr > 0)) throw new OptionError(`--lr must be positive, got ${o.lr}`);
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new OptionError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (!fs.existsSync(o.data)) throw new OptionError(`--data ${o.data}: file not found`);
  if (o.valid !== undefined && !fs.existsSync(o.valid)) throw new OptionError(`--valid ${o.valid}: file not found`);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A new run's options: checked, the learning-rate factor resolved (and recorded in the run's state, so a resume keeps it). */
export function newRunOptions(given: GivenOptions): RunOptions {
  if (!given.data) throw new OptionError("--data is required (the training file) unless --resume names a run, whose file is the default");
  checkOptions(given);
  return { ...given, lrFactor: given.lrFactor ?? presetLrFactor(given.preset) };
}

/** A resumed run's options: the saved ones, with the per-sitting options the caller gave; a changed fixed option is refused. */
export function resumedRunOptions(saved: RunOptions, given: GivenOptions): RunOptions {
  for (const k of FIXED_ON_RESUME) {
    if (given.explicit?.has(k) && given[k] !== saved[k]) {
      throw new OptionError(`--${kebab(k)} ${given[k]} differs from the resumed run's ${saved[k]}; a resumed run keeps its model and data options`);
    }
  }
  const o = { ...saved };
  for (const k of PER_SITTING) if (given[k] !== undefined) (o as Record<string, unknown>)[k] = given[k];
  checkOptions(o);
  return o;
}
