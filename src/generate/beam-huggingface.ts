/**
 * Beam search as Hugging Face transformers runs it (GenerationMixin._beam_search with early_stopping=False, its
 * default; beamConvention "huggingface"), so that a checkpoint from the Hub decodes to the ids generate() gives.
 * What differs from our GNMT search (beam.ts):
 * - finished hypotheses are scored log P(Y) / |Y|^α (|Y|: generated tokens, eos included), and only the numBeams
 *   best are kept: a later, better one replaces the worst;
 * - of each step's 2·numBeams best extensions, only the first numBeams may finish (with eos; at the length limit
 *   all of them, eos or not); the best numBeams others stay live;
 * - an input's search ends at its length limit, or once numBeams hypotheses are kept and the best live beam's
 *   log P / |Y|^α, were it to end now, no longer beats the worst kept one (transformers' heuristic);
 * - logits processors rewrite the log-probabilities (after the log-softmax), not the logits.
 */
import type { ResolvedGenerationConfig } from "./config.js";
import { type Beam, bestCandidates } from "./beam-candidates.js";
import { buildProcessors, rowLogSumExp } from "./logits-processors.js";
import type { BeamSetup, BeamSteps } from "./beam-steps.js";
import type { FinishReason, Hypothesis } from "./search.js";

/** Adds `h` to `kept` (best score first, at most `k`; an equal score goes after those kept before it). */
function keep(kept: Hypothesis[], h: Hypothesis, k: number): void {
  let at = kept.length;
  while (at > 0 && h.score > kept[at - 1].score) at--;
  if (at >= k) return;
  kept.splice(at, 0, h);
  if (kept.length > k) kept.pop();
}

export function* huggingFaceBeamSteps(setup: BeamSetup, cfg: ResolvedGenerationConfig): BeamSteps {
  const { decoder: dec, histories, limits, eosId } = setup;
  const K = cfg.numBeams;
  const alpha = cfg.lengthPenalty;
  const processors = buildProcessors(cfg);
  const V = dec.vocabSize;
  const kept: Hypothesis[][] = histories.map(() => []);
  let beams: Beam[] = histories.map((_, input) => ({ input, tokens: [], logProb: 0 })); // aligned with decoder rows
  let logits = yield { kind: "start" }; // (rows, V)
  for (;;) {
    const lse = rowLogSumExp(logits, beams.length, V);
    beams.forEach((b, row) => {
      const scores = logits.subarray(row * V, (row + 1) * V);
      for (let j = 0; j < V; j++) scores[j] -= lse[row]; // log softmax, in place
      if (processors.length) {
        const history = [...histories[b.input], ...b.tokens];
        for (const p of processors) p(scores, history);
      }
    });
    const next: Beam[] = [];
    const parents: number[] = [];
    for (let start = 0; start < beams.length; ) {
      const input = beams[start].input;
      let end = start;
      while (end < beams.length && beams[end].input === input) end++;
      const length = beams[start].tokens.length + 1; // |Y| of every extension
      const norm = Math.pow(length, alpha);
      const stop: FinishReason | null = length >= limits[input] ? "length" : dec.positionsLeft(start) <= 0 ? "max_len" : null;
      const candidates = bestCandidates(logits, V, beams, start, end, 2 * K);
      candidates.slice(0, K).forEach((c) => {
        if (stop === null && c.token !== eosId) return;
        const tokens = [...beams[c.row].tokens, c.token];
        keep(kept[input], { tokens, logProb: c.total, score: c.total / norm, finish: c.token === eosId ? "eos" : stop! }, K);
      });
      const live = stop === null ? candidates.filter((c) => c.token !== eosId).slice(0, K) : [];
      const worst = kept[input].length === K ? kept[input][K - 1].score : -Infinity;
      if (live.length > 0 && live[0].total / norm > worst) {
        for (const c of live) {
          next.push({ input, tokens: [...beams[c.row].tokens, c.token], logProb: c.total });
          parents.push(c.row);
        }
      }
      start = end;
    }
    if (next.length === 0) break;
    beams = next;
    logits = yield { kind: "step", parents, tokens: next.map((b) => b.tokens[b.tokens.length - 1]) };
  }
  return kept.map((hyps) => hyps.slice(0, cfg.numReturnSequences));
}
