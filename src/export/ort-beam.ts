/**
 * Beam search over an exported seq2seq model run by ONNX Runtime: the library's own beam search (beamSteps,
 * src/generate/beam.ts, either beamConvention) answered by ORT's cached decoder (ort-stepper.ts) instead of
 * ours, so that both give the same hypotheses for the same logits. The runtime is passed in, as for ortGreedy.
 *
 *   const [best] = (await ortBeamSeq2Seq(ort, sessions, config, [tokenizer.encode("God is love.")], { numBeams: 4 }))[0];
 */
import { OptionError } from "../errors.js";
import { beamSteps } from "../generate/beam.js";
import { type GenerationConfig, resolveGenerationConfig } from "../generate/config.js";
import type { Hypothesis } from "../generate/search.js";
import { SOURCE_LENGTH_MARGIN } from "../models/architectures/seq2seq.js";
import type { Seq2SeqConfig } from "../models/index.js";
import { type OrtRuntime, type OrtSeq2SeqSessions, ortSeq2SeqStepper } from "./ort-stepper.js";

/**
 * Per source id row, its numReturnSequences best hypotheses (generated ids, eos included when it ended so), as
 * generate(model, sources, { strategy: "beam", ...generation }) returns them. `generation` is the library's
 * GenerationConfig; its strategy, when given, must be "beam".
 */
export async function ortBeamSeq2Seq(
  ort: OrtRuntime, sessions: OrtSeq2SeqSessions, config: Seq2SeqConfig,
  sources: readonly (readonly number[])[], generation: GenerationConfig = {},
): Promise<Hypothesis[][]> {
  if (generation.strategy !== undefined && generation.strategy !== "beam") {
    throw new OptionError("strategy", `ortBeamSeq2Seq runs beam search, got strategy ${JSON.stringify(generation.strategy)}`);
  }
  const cfg = resolveGenerationConfig({ ...generation, strategy: "beam" });
  const stepper = await ortSeq2SeqStepper(ort, sessions, config, sources, "ortBeam");
  const steps = beamSteps({
    decoder: { vocabSize: stepper.vocab, positionsLeft: (row) => stepper.positionsLeft(row) },
    histories: sources.map(() => [config.bos_id]),
    limits: sources.map((s) => cfg.maxNewTokens ?? s.length + SOURCE_LENGTH_MARGIN),
    eosId: config.eos_id,
  }, cfg);
  let r = steps.next();
  while (!r.done) {
    const req = r.value;
    if (req.kind === "step") {
      stepper.select(req.parents);
      await stepper.step(req.tokens);
    }
    r = steps.next(stepper.logits);
  }
  return r.value;
}
