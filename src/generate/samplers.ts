/** Samplers: how one token is picked from one row's processed scores (V). */
import type { Rng } from "../tensor/index.js";
import { softmax } from "./logits-processors.js";

/** Draws an index from softmax(scores) with one uniform number of `rng` (inverse CDF, float64 sums). */
export function sampleIndex(scores: ArrayLike<number>, rng: Rng): number {
  const probs = softmax(scores);
  const u = rng.uniform();
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cum += probs[i];
    last = i;
    if (u < cum) return i;
  }
  return last; // u landed in the rounding gap just below 1
}
