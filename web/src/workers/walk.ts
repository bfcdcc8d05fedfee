/**
 * The walk's side of the model worker: the library's explanation of one sentence through the loaded checkpoint
 * or through the notes' toy, which it trains here with the library's trainer (src/inspect/toy.ts). The decoder
 * follows a position of the model's own greedy translation (src/inspect/explain-decoder-step.ts).
 */
import { explainSeq2Seq, type Explanation } from "../../../src/inspect/index.js";
import { TOY_PAIRS, toySource, toySourceLabel, toyTargetLabel, toyTranslate, trainToy } from "../../../src/inspect/toy.js";
import type { Seq2Seq } from "../../../src/models/seq2seq.js";
import type { ExplainParams, NotesToyParams, NotesToyProgress, NotesToyResult } from "../protocol.js";

/** Tokens listed per prediction in the walk. */
const TOP_N = 10;
/** Progress events per training run. */
const PROGRESS_EVENTS = 60;

let toy: Seq2Seq | null = null;

export interface WalkSource {
  model: Seq2Seq;
  encode(text: string): number[];
  srcLabel: (id: number) => string;
  tgtLabel: (id: number) => string;
}

export function notesToy(p: NotesToyParams, emit: (e: NotesToyProgress) => void): NotesToyResult {
  const t0 = performance.now();
  const steps = 3000;
  const every = Math.ceil(steps / PROGRESS_EVENTS);
  const { model, losses } = trainToy({ seed: p.seed, steps, onStep: (step, loss) => {
    if (step % every === 0 || step === steps) emit({ step, loss });
  } });
  toy = model;
  return {
    steps, loss: losses[losses.length - 1], ms: performance.now() - t0,
    pairs: TOY_PAIRS.map(([en, es]) => ({ en, es, got: toyTranslate(model, en).join(" ") })),
  };
}

/** The sentence through `loaded` or the toy; a source over max_len is cut to its first max_len tokens, as translate does. */
export function explainWalk(p: ExplainParams, loaded: () => WalkSource): Explanation {
  const w: WalkSource = p.model === "toy"
    ? { model: toy ?? fail("train the notes' toy first"), encode: toySource, srcLabel: toySourceLabel, tgtLabel: toyTargetLabel }
    : loaded();
  const ids = w.encode(p.text.trim()).slice(0, w.model.config.max_len);
  if (ids.length === 0) throw new Error("type a sentence to follow");
  return explainSeq2Seq(w.model, ids, {
    layer: p.layer, head: p.head, token: Math.min(Math.max(0, p.token), ids.length - 1), topN: Math.min(TOP_N, w.model.config.tgt_vocab_size),
    decoderStep: p.decoderStep, clampDecoderStep: true,
    sourceLabel: w.srcLabel, targetLabel: w.tgtLabel,
  });
}

function fail(message: string): never {
  throw new Error(message);
}
