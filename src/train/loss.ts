import { type LossResult, type Model, type TrainBatch, modelArchitecture } from "../models/index.js";

export type { TrainBatch };

/**
 * Forward pass and mean loss, as the model's architecture module computes them (src/models/architectures/):
 * label-smoothed cross-entropy over non-pad target tokens for the generative models (PyTorch's cross_entropy
 * with ignore_index = pad), plain cross-entropy over labels for classifiers.
 */
export function forwardLoss(model: Model, batch: TrainBatch, labelSmoothing: number): LossResult {
  const arch = model.config.architecture;
  if (batch.kind !== arch) throw new Error(`forwardLoss: a ${batch.kind} batch for a ${arch} model`);
  return modelArchitecture(arch).loss(model, batch, labelSmoothing);
}
