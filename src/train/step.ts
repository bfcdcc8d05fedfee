import type { Model } from "../models/index.js";
import { clipGradNorm } from "./clip.js";
import { type TrainBatch, forwardLoss } from "./loss.js";
import type { Adam } from "./optimizer.js";

export interface StepOptions {
  labelSmoothing: number;
  /** Global gradient-norm bound (Infinity: measure the norm, clip nothing). */
  clip: number;
  /** The learning rate of this step (the schedule's value at step + 1). */
  lr: number;
}

export interface StepResult {
  /** Mean training loss over the step's batches (label-smoothed). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * One optimizer step, browser-safe: forward and loss for each batch, backward with the gradients summed over the
 * batches (each seeded with 1/n, so the step sees the mean loss: gradient accumulation), global-norm clipping,
 * then Adam at `lr`. The model must be in training mode for dropout; the caller owns batching and the schedule.
 */
export function trainStep(model: Model, opt: Adam, batches: readonly TrainBatch[], o: StepOptions): StepResult {
  opt.zeroGrad();
  const n = batches.length;
  let loss = 0;
  for (const batch of batches) {
    const l = forwardLoss(model, batch, o.labelSmoothing).loss;
    loss += l.item() / n;
    l.backward(Float32Array.of(1 / n));
  }
  const gradNorm = clipGradNorm(model.parameters(), o.clip);
  opt.lr = o.lr;
  opt.step();
  return { loss, gradNorm };
}
