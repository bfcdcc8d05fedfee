/**
 * Which decoder position the walk follows. By default the decoder reads its start token alone, and its masked
 * self-attention has nothing to hide (one query, one key). Following position t of the model's own greedy
 * translation instead — the decoder fed bos and the first t tokens it chose, as training feeds it the target —
 * gives a (t+1)×(t+1) causal mask, and step 1's prediction is greedy's token t+1. Browser-safe.
 */
import { OptionError } from "../errors.js";
import { generate } from "../generate/generate.js";
import type { Seq2Seq } from "../models/seq2seq.js";

/** The position followed unless one is asked for: the third, so that a 3×3 mask hides three keys. */
export const DEFAULT_DECODER_STEP = 2;

/** The model's greedy translation of `source` as `transformer translate` decodes it: ids, eos included when it says it. */
export function greedyTranslation(model: Seq2Seq, source: readonly number[]): number[] {
  return generate(model, [source], { strategy: "greedy" }).results[0][0].tokens;
}

/**
 * Positions 0..n−1 of an n-token translation can be followed: at position t the decoder's last input is token t
 * (bos at 0) and it predicts token t+1 — position n−1 predicts the last token (eos, when it ends).
 */
export function decoderPositions(translation: readonly number[]): number {
  return Math.max(1, translation.length);
}

/** `want` (default DEFAULT_DECODER_STEP) as a position of the translation: the last one when it is shorter. */
export function clampDecoderStep(want: number | undefined, translation: readonly number[]): number {
  const t = want ?? DEFAULT_DECODER_STEP;
  return Math.max(0, Math.min(Number.isInteger(t) ? t : DEFAULT_DECODER_STEP, decoderPositions(translation) - 1));
}

/** The decoder's input at position t: bos and the translation's first t tokens. Throws for a position it does not have. */
export function prefixAt(model: Seq2Seq, translation: readonly number[], t: number, labels: (id: number) => string = String): number[] {
  const n = decoderPositions(translation);
  if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t >= n) {
    const said = translation.length ? `“${translation.map(labels).join(" ")}”, ${translation.length} token${translation.length === 1 ? "" : "s"}` : "nothing";
    throw new OptionError("decoderStep", `must be an integer in 0..${n - 1} (the greedy translation is ${said}), got ${JSON.stringify(t)}`);
  }
  return [model.config.bos_id, ...translation.slice(0, t)];
}
