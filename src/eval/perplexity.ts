import { OptionError } from "../errors.js";

/** Perplexity exp(H) of a mean cross-entropy H in nats per token (e.g. the validation loss without label smoothing). */
export function perplexity(meanNats: number): number {
  if (Number.isNaN(meanNats) || meanNats < 0) {
    throw new OptionError(`perplexity: meanNats must be a cross-entropy ≥ 0 in nats per token, got ${meanNats}`);
  }
  return Math.exp(meanNats);
}
