/**
 * The beam-search aside of an explanation: the library's own beamSearch (src/generate/beam.ts) run for a few
 * steps from bos, watched through the StepDecoder it drives — the logits each step returned, the rows it kept
 * (select) and the tokens it fed (step) — so that the live beams are the ones it really kept.
 */
import { beamSearch } from "../generate/beam.js";
import { resolveGenerationConfig } from "../generate/config.js";
import { rowLogSumExp } from "../generate/logits-processors.js";
import { tokenBatch } from "../models/batch.js";
import type { Seq2Seq } from "../models/seq2seq.js";
import { Seq2SeqStepDecoder, type StepDecoder } from "../models/step-decoder.js";
import type { BeamHypothesisRecord, BeamRecord } from "./explain-record.js";

/** A StepDecoder that keeps a copy of every step's logits and the rows and tokens the search asked for. */
class WatchedDecoder implements StepDecoder {
  readonly logits: Float32Array[] = [];
  readonly parents: number[][] = [];
  readonly fed: number[][] = [];
  constructor(private readonly inner: StepDecoder) {}
  get rows(): number {
    return this.inner.rows;
  }
  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  start(): Float32Array {
    return this.keep(this.inner.start());
  }
  step(tokens: ArrayLike<number>): Float32Array {
    this.fed.push(Array.from(tokens));
    return this.keep(this.inner.step(tokens));
  }
  select(index: ArrayLike<number>): void {
    this.parents.push(Array.from(index));
    this.inner.select(index);
  }
  positionsLeft(row: number): number {
    return this.inner.positionsLeft(row);
  }
  /** The search turns logits into log-probabilities in place: keep them as the model gave them. */
  private keep(logits: Float32Array): Float32Array {
    this.logits.push(logits.slice());
    return logits;
  }
}

/**
 * Beam search with `numBeams` beams for at most `steps` tokens from bos. Log-probabilities of live beams are
 * summed as beam search sums them: each token's log p rounded to float32 (its in-place log softmax), added in float64.
 */
export function beamAside(model: Seq2Seq, source: readonly number[], opts: { numBeams: number; steps: number; lengthPenalty: number; label: (id: number) => string }): BeamRecord {
  const c = model.config;
  const K = opts.numBeams;
  const V = c.tgt_vocab_size;
  const dec = new WatchedDecoder(new Seq2SeqStepDecoder(model, tokenBatch([source])));
  const cfg = resolveGenerationConfig({ strategy: "beam", numBeams: K, numReturnSequences: K, lengthPenalty: opts.lengthPenalty });
  const hyps = beamSearch({ decoder: dec, histories: [[c.bos_id]], limits: [opts.steps], eosId: c.eos_id }, cfg)[0];
  const record = (ids: number[], logProb: number, extra: Partial<BeamHypothesisRecord> = {}): BeamHypothesisRecord =>
    ({ ids, tokens: ids.map(opts.label), logProb, ...extra });
  /** log p of each token of row `row` of step s's logits, as beam search rounds it. */
  const logp = (s: number, row: number): Float32Array => {
    const x = dec.logits[s].subarray(row * V, (row + 1) * V);
    const lse = rowLogSumExp(x, 1, V)[0];
    return Float32Array.from(x, (z) => z - lse);
  };
  // step 1: one row (bos); beam search ranks its 2K best tokens
  const first = logp(0, 0);
  const keptFirst = new Set(dec.fed[0] ?? []);
  const candidates = Array.from(first.keys()).sort((a, b) => first[b] - first[a] || a - b).slice(0, 2 * K)
    .map((id) => ({ ...record([id], first[id]), kept: keptFirst.has(id) }));
  // live beams after step s: the rows the search kept (select) extended by the tokens it fed (step)
  const live: BeamHypothesisRecord[][] = [];
  let beams: BeamHypothesisRecord[] = [record([], 0)];
  for (let s = 0; s < dec.fed.length; s++) {
    const parents = dec.parents[s];
    const rows = beams.map((_, r) => logp(s, r));
    beams = dec.fed[s].map((token, r) => record([...beams[parents[r]].ids, token], beams[parents[r]].logProb + rows[parents[r]][token]));
    live.push(beams);
  }
  return {
    numBeams: K, lengthPenalty: opts.lengthPenalty, steps: opts.steps, candidates, live,
    finished: hyps.map((h) => record(h.tokens, h.logProb, { score: h.score, finish: h.finish })),
  };
}
