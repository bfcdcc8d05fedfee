import { architectureTask } from "../architectures/registry.js";
import { batchByTokens } from "../data/index.js";
import type { Model } from "../models/index.js";
import { inference } from "../nn/index.js";
import type { Dataset } from "../train/dataset.js";
import { forwardLoss } from "../train/loss.js";

/** What evaluate measures. */
export interface EvalResult {
  /** Mean cross-entropy per target token, without label smoothing. */
  loss: number;
  /** encoder_only: the share of examples classified right. */
  accuracy?: number;
  /**
   * seq2seq: the same loss with each batch's sources rotated by one row, so that every target is scored against
   * another sentence's source (batches hold similar lengths, so the padding barely changes). About `loss` while
   * the model ignores its source and acts as a target-side language model; clearly above it once it translates.
   */
  shuffledSourceLoss?: number;
}

/**
 * Validation over a dataset (batches of at most `batchTokens` padded tokens a side; `maxBatches` 0: all): see
 * EvalResult. The measures beside the loss are those the dataset's architecture module has (src/architectures/).
 */
export function evaluate(model: Model, data: Dataset, batchTokens: number, maxBatches: number): EvalResult {
  const measures = architectureTask(data.arch).measures;
  const batches = batchByTokens(data.lengths, { maxTokens: batchTokens, shuffle: false });
  const use = maxBatches > 0 ? batches.slice(0, maxBatches) : batches;
  let nats = 0;
  let shuffledNats = 0;
  let count = 0;
  let correct = 0;
  inference(model, () => {
    for (const idx of use) {
      const { batch } = data.batch(idx);
      const out = forwardLoss(model, batch, 0);
      nats += out.loss.item() * out.count;
      if (measures.accuracy) correct += measures.accuracy(model, batch, out);
      if (measures.shuffledSourceLoss) shuffledNats += measures.shuffledSourceLoss(model, batch, out);
      count += out.count;
    }
  });
  return {
    loss: nats / count,
    accuracy: measures.accuracy ? correct / count : undefined,
    shuffledSourceLoss: measures.shuffledSourceLoss ? shuffledNats / count : undefined,
  };
}
