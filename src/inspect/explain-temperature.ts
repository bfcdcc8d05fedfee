/**
 * Softmax at a temperature over one row of recorded logits, for an explanation's predictions: the one
 * definition both explainSeq2Seq and a page's temperature slider use, so that the slider shows what the library
 * computes. Browser-safe, no model imports (the page's main thread can load it).
 */
import { OptionError } from "../errors.js";
import type { PredictionRecord } from "./explain-record.js";

/** softmax(logits / temperature) at `ids`, in float64 (max subtracted first). */
export function softmaxAtTemperature(logits: readonly number[], temperature: number, ids: readonly number[]): number[] {
  if (!(typeof temperature === "number" && Number.isFinite(temperature) && temperature > 0)) {
    throw new OptionError("temperature", `must be a number > 0, got ${JSON.stringify(temperature)}`);
  }
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let z = 0;
  for (const x of logits) z += Math.exp((x - max) / temperature);
  return ids.map((id) => Math.exp((logits[id] - max) / temperature) / z);
}

/**
 * A prediction at another temperature: the same tokens (the top by logit do not depend on it) and the same
 * choice, with probAtTemperature = softmax(logits / temperature). `logits` is the row the prediction was made from.
 */
export function predictionAtTemperature(p: PredictionRecord, logits: readonly number[], temperature: number): PredictionRecord {
  const probs = softmaxAtTemperature(logits, temperature, p.top.map((t) => t.id));
  return { ...p, temperature, top: p.top.map((t, i) => ({ ...t, probAtTemperature: probs[i] })) };
}
