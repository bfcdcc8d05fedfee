import type { Model } from "../models/index.js";
import { clipGradNorm } from "./clip.js";
import { type TrainBatch, forwardLoss } from "./loss.js";
import type { Adam } from "./optimizer.js";

export interface GradientOptions {
  labelSmoothing: number;
  /** Global gradient-norm bound (Infinity: measure the norm, clip nothing). */
  clip: number;
}

export interface StepOptions extends GradientOptions {
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
 * The first half of an optimizer step, browser-safe: forward and loss for each batch, backward with the gradients
 * summed over the batches (each seeded with 1/n, so the step sees the mean loss: gradient accumulation), then
 * global-norm clipping. The weights are not touched yet: a caller can look at the loss and the norm (a run stops
 * on a non-finite one) before applyGradients. The model must be in training mode for dropout.
 */
export function computeGradients(model: Model, opt: Adam, batches: readonly TrainBatch[], o: GradientOptions): StepResult {
  opt.zeroGrad();
  const n = batches.length;
  let loss = 0;
  for (const batch of batches) {
    const l = forwardLoss(model, batch, o.labelSmoothing).loss;
    loss += l.item() / n;
    l.backward(Float32Array.of(1 / n));
  }
  const gradNorm = clipGradNorm(model.parameters(), o.clip);
  return { loss, gradNorm };
}

/** The second half: Adam at `lr` on the gradients computeGradients left. */
export function applyGradients(opt: Adam, lr: number): void {
  opt.lr = lr;
  opt.step();
}

/** One optimizer step (computeGradients, then applyGradients); the caller owns batching and the schedule. */
export function trainStep(model: Model, opt: Adam, batches: readonly TrainBatch[], o: StepOptions): StepResult {
  const r = computeGradients(model, opt, batches, o);
  applyGradients(opt, o.lr);
  return r;
}
