import type { ResolvedGenerationConfig } from "./config.js";
import { buildProcessors, rowLogSumExp } from "./logits-processors.js";
import type { FinishReason, Hypothesis, SearchSetup } from "./search.js";
import { type Beam, type Candidate, bestCandidates } from "./beam-candidates.js";
import { huggingFaceBeamSteps } from "./beam-huggingface.js";
import { type BeamSetup, type BeamSteps, runBeamSteps } from "./beam-steps.js";

/** GNMT's length penalty lp(Y) = ((5 + |Y|) / 6)^α (Wu et al. 2016, eq. 14). */
export function lengthPenalty(length: number, alpha: number): number {
  return Math.pow((5 + length) / 6, alpha);
}

/**
 * Beam search (paper §6.1: beam 4, α 0.6). Each input keeps numBeams live hypotheses, ranked by log P. Each
 * step takes the 2·numBeams best extensions: one ending with eos among the first numBeams becomes a finished
 * hypothesis; the best others (at most numBeams) stay live. An input's search ends when numBeams
 * hypotheses have finished — every beam has ended — or at its length limit, where the live ones finish too.
 * Finished hypotheses are ranked by log P / lp(|Y|); the best numReturnSequences are returned. (beamConvention
 * "huggingface": transformers' search instead, beam-huggingface.ts.)
 */
export function beamSearch(setup: SearchSetup, cfg: ResolvedGenerationConfig): Hypothesis[][] {
  return runBeamSteps(beamSteps(setup, cfg), setup.decoder);
}

/** beamSearch as a generator of decoder requests (beam-steps.ts), for a decoder that answers asynchronously. */
export function beamSteps(setup: BeamSetup, cfg: ResolvedGenerationConfig): BeamSteps {
  return cfg.beamConvention === "huggingface" ? huggingFaceBeamSteps(setup, cfg) : gnmtBeamSteps(setup, cfg);
}

function* gnmtBeamSteps(setup: BeamSetup, cfg: ResolvedGenerationConfig): BeamSteps {
  const { decoder: dec, histories, limits, eosId } = setup;
  const K = cfg.numBeams;
  const alpha = cfg.lengthPenalty;
  const processors = buildProcessors(cfg);
  const V = dec.vocabSize;
  const finished: Hypothesis[][] = histories.map(() => []);
  const finish = (b: Beam, token: number | null, total: number, why: FinishReason): void => {
    const tokens = token === null ? b.tokens : [...b.tokens, token];
    finished[b.input].push({ tokens, logProb: total, score: total / lengthPenalty(tokens.length, alpha), finish: why });
  };
  let beams: Beam[] = histories.map((_, input) => ({ input, tokens: [], logProb: 0 })); // aligned with decoder rows
  let logits = yield { kind: "start" }; // (rows, V)
  for (;;) {
    if (processors.length) {
      beams.forEach((b, row) => {
        const history = [...histories[b.input], ...b.tokens];
        for (const p of processors) p(logits.subarray(row * V, (row + 1) * V), history);
      });
    }
    const lse = rowLogSumExp(logits, beams.length, V);
    for (let row = 0; row < beams.length; row++) {
      const l = lse[row];
      for (let j = row * V; j < (row + 1) * V; j++) logits[j] -= l; // log softmax, in place
    }
    const next: Beam[] = [];
    const parents: number[] = [];
    for (let start = 0; start < beams.length; ) {
      const input = beams[start].input;
      let end = start;
      while (end < beams.length && beams[end].input === input) end++;
      const live: Candidate[] = [];
      bestCandidates(logits, V, beams, start, end, 2 * K).forEach((c, rank) => {
        if (c.token === eosId) {
          if (rank < K) finish(beams[c.row], eosId, c.total, "eos");
        } else if (live.length < K) {
          live.push(c);
        }
      });
      const length = beams[start].tokens.length + 1;
      if (finished[input].length < K) {
        const why: FinishReason | null = length >= limits[input] ? "length" : dec.positionsLeft(start) <= 0 ? "max_len" : null;
        if (why) {
          for (const c of live) finish(beams[c.row], c.token, c.total, why);
        } else {
          for (const c of live) {
            next.push({ input, tokens: [...beams[c.row].tokens, c.token], logProb: c.total });
            parents.push(c.row);
          }
        }
      }
      start = end;
    }
    if (next.length === 0) break;
    beams = next;
    logits = yield { kind: "step", parents, tokens: next.map((b) => b.tokens[b.tokens.length - 1]) };
  }
  return finished.map((hyps) =>
    hyps
      .map((h, i) => ({ h, i }))
      .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
      .slice(0, cfg.numReturnSequences)
      .map(({ h }) => h),
  );
}
