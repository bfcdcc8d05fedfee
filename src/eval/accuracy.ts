import { OptionError } from "../errors.js";

/** Fraction (0..1) of positions where the predicted class equals the gold class. */
export function accuracy(pred: ArrayLike<number>, gold: ArrayLike<number>): number {
  if (pred.length !== gold.length) {
    throw new OptionError(`accuracy: ${pred.length} predictions but ${gold.length} gold labels (expected as many)`);
  }
  if (gold.length === 0) throw new OptionError("accuracy: no examples (expected at least one prediction)");
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (pred[i] === gold[i]) correct++;
  return correct / gold.length;
}
