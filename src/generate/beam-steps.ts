/**
 * Beam search as a generator of decoder requests, so that one search drives a synchronous StepDecoder (ours) or
 * an asynchronous one (ONNX Runtime's sessions, src/export/ort-beam.ts): the search yields what it needs of the
 * decoder and is resumed with the logits (rows, V) that the decoder returns.
 */
import type { StepDecoder } from "../models/step-decoder.js";
import type { Hypothesis, SearchSetup } from "./search.js";

/** The first logits (the decoder's start), or the logits after keeping rows `parents` and feeding one token per kept row. */
export type BeamRequest = { kind: "start" } | { kind: "step"; parents: number[]; tokens: number[] };

/** A beam search, resumed with each request's logits; returns every input's hypotheses, best first. */
export type BeamSteps = Generator<BeamRequest, Hypothesis[][], Float32Array>;

/** What a beam search reads of its decoder itself; the rest it asks for by request. */
export interface BeamSetup extends Omit<SearchSetup, "decoder"> {
  decoder: Pick<StepDecoder, "vocabSize" | "positionsLeft">;
}

/** Runs a beam search on a synchronous step decoder. */
export function runBeamSteps(steps: BeamSteps, dec: StepDecoder): Hypothesis[][] {
  let r = steps.next();
  while (!r.done) {
    const req = r.value;
    if (req.kind === "start") {
      r = steps.next(dec.start());
    } else {
      dec.select(req.parents);
      r = steps.next(dec.step(req.tokens));
    }
  }
  return r.value;
}
