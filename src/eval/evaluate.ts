import { batchByTokens } from "../data/index.js";
import type { Model } from "../models/index.js";
import { inference } from "../nn/index.js";
import { argmax } from "../tensor/index.js";
import type { Dataset } from "../train/dataset.js";
import { type TrainBatch, forwardLoss } from "../train/loss.js";

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

/** The seq2seq batch with its sources rotated by one row (row b gets source b + 1); single rows stay as they are. */
function rotateSources(batch: Extract<TrainBatch, { kind: "seq2seq" }>): TrainBatch {
  const { ids, batch: B, length: S } = batch.src;
  const rotated = new Int32Array(ids.length);
  for (let b = 0; b < B; b++) rotated.set(ids.subarray(((b + 1) % B) * S, ((b + 1) % B + 1) * S), b * S);
  return { ...batch, src: { ...batch.src, ids: rotated } };
}

/** Validation over a dataset (batches of at most `batchTokens` padded tokens a side; `maxBatches` 0: all): see EvalResult. */
export function evaluate(model: Model, data: Dataset, batchTokens: number, maxBatches: number): EvalResult {
  const batches = batchByTokens(data.lengths, { maxTokens: batchTokens, shuffle: false });
  const use = maxBatches > 0 ? batches.slice(0, maxBatches) : batches;
  let nats = 0;
  let shuffledNats = 0;
  let count = 0;
  let correct = 0;
  inference(model, () => {
    for (const idx of use) {
      const { batch } = data.batch(idx);
      const { logits, loss } = forwardLoss(model, batch, 0);
      let n: number;
      if (batch.kind === "encoder_only") {
        n = batch.labels.length;
        const C = logits.shape[1];
        for (let b = 0; b < n; b++) {
          if (argmax(logits.data, b * C, (b + 1) * C) === batch.labels[b]) correct++;
        }
      } else {
        const targets = batch.kind === "seq2seq" ? batch.tgtOut : batch.targets;
        n = targets.reduce((s, t) => s + (t === model.config.pad_id ? 0 : 1), 0);
      }
      nats += loss.item() * n;
      if (batch.kind === "seq2seq") shuffledNats += forwardLoss(model, rotateSources(batch), 0).loss.item() * n;
      count += n;
    }
  });
  return {
    loss: nats / count,
    accuracy: data.arch === "encoder_only" ? correct / count : undefined,
    shuffledSourceLoss: data.arch === "seq2seq" ? shuffledNats / count : undefined,
  };
}
