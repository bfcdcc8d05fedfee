import { Rng, argmax } from "../tensor/index.js";
import type { ResolvedGenerationConfig } from "./config.js";
import { buildProcessors, rowLogSumExp } from "./logits-processors.js";
import { sampleIndex } from "./samplers.js";
import type { StepDecoder } from "../models/step-decoder.js";

/** Why a sequence stopped: it emitted eos, it reached maxNewTokens, or the model's max_len positions ran out. */
export type FinishReason = "eos" | "length" | "max_len";

/** One generated sequence. */
export interface Hypothesis {
  /** The generated ids (not bos, not the prompt), ending with eos when `finish` is "eos". */
  tokens: number[];
  /** Σ log p(token) under the distribution the search chose from (after repetition penalty, temperature, top-k, top-p). */
  logProb: number;
  /** Beam search: logProb / lp(|tokens|), the length-normalised score it ranks by (GNMT's lp, or |tokens|^α); otherwise logProb. */
  score: number;
  finish: FinishReason;
}

/** A token chosen for one input in one step (what streaming reports). */
export interface TokenEvent {
  input: number;
  token: number;
  /** Set on the input's last token. */
  finish: FinishReason | null;
}

/** What a search needs besides its config. */
export interface SearchSetup {
  decoder: StepDecoder;
  /** Per input: the tokens its decoder saw before the first generated one (bos, or the prompt). */
  histories: number[][];
  /** Per input: most tokens to generate. */
  limits: number[];
  eosId: number;
}

/**
 * Greedy search and sampling, one step at a time: yields the tokens chosen at each step, returns every input's
 * sequence. Rows that finish are dropped from the decoder, so the batch shrinks as sentences end.
 */
export function* tokenSearch(setup: SearchSetup, cfg: ResolvedGenerationConfig): Generator<TokenEvent[], Hypothesis[][], void> {
  if (cfg.strategy === "beam") throw new Error("tokenSearch: beam search is beamSearch");
  const { decoder: dec, histories, limits, eosId } = setup;
  const processors = buildProcessors(cfg);
  const rng = cfg.strategy === "sample" ? new Rng(cfg.seed) : null;
  const V = dec.vocabSize;
  const out: Hypothesis[] = histories.map(() => ({ tokens: [], logProb: 0, score: 0, finish: "length" }));
  let active = histories.map((_, i) => i); // decoder row → input
  let logits = dec.start(); // (rows, V)
  for (;;) {
    const events: TokenEvent[] = [];
    const keep: number[] = [];
    const next: number[] = [];
    if (processors.length) {
      active.forEach((input, row) => {
        const history = [...histories[input], ...out[input].tokens];
        for (const p of processors) p(logits.subarray(row * V, (row + 1) * V), history);
      });
    }
    const lse = rowLogSumExp(logits, active.length, V); // log p(token) = score − lse
    active.forEach((input, row) => {
      const h = out[input];
      const scores = logits.subarray(row * V, (row + 1) * V);
      const token = rng ? sampleIndex(scores, rng) : argmax(scores);
      h.tokens.push(token);
      h.logProb += Math.fround(scores[token] - lse[row]); // rounded as beam search's in-place log-probabilities are
      let finish: FinishReason | null = null;
      if (token === eosId) finish = "eos";
      else if (h.tokens.length >= limits[input]) finish = "length";
      else if (dec.positionsLeft(row) <= 0) finish = "max_len";
      if (finish) {
        h.finish = finish;
        h.score = h.logProb;
      } else {
        keep.push(row);
        next.push(token);
      }
      events.push({ input, token, finish });
    });
    yield events;
    if (keep.length === 0) break;
    if (keep.length < active.length) {
      dec.select(keep);
      active = keep.map((row) => active[row]);
    }
    logits = dec.step(next);
  }
  return out.map((h) => [h]);
}
