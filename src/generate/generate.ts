import { OptionError } from "../errors.js";
import { tokenBatch } from "../models/batch.js";
import type { DecoderOnly } from "../models/decoder-only.js";
import type { EncoderOnly } from "../models/encoder-only.js";
import type { Seq2Seq } from "../models/seq2seq.js";
import { beamSearch } from "./beam.js";
import { type GenerationConfig, type ResolvedGenerationConfig, resolveGenerationConfig } from "./config.js";
import { type Hypothesis, type SearchSetup, tokenSearch } from "./search.js";
import { DecoderOnlyStepDecoder, Seq2SeqStepDecoder } from "../models/step-decoder.js";

/** A model that generates: seq2seq translates sources, decoder_only continues prompts. */
export type GenerativeModel = Seq2Seq | DecoderOnly;

/** The maxNewTokens default of a decoder_only model (seq2seq: source length + 50). */
export const DEFAULT_MAX_NEW_TOKENS = 50;

/** Extra output tokens beyond the source length, paper §6.1 ("maximum output length ... input length + 50"). */
export const SOURCE_LENGTH_MARGIN = 50;

export interface GenerationOutput {
  /** Per input, its hypotheses best first: one, or numReturnSequences with beam search. */
  results: Hypothesis[][];
  /** The sampler's seed (sampling only): pass it back as `seed` to repeat the run. */
  seed?: number;
}

/**
 * Checks the inputs and config and builds the search: a KV-cached step decoder over the (padded) batch, each
 * input's history (bos for seq2seq, the prompt for decoder_only) and its length limit.
 */
export function prepareSearch(
  model: GenerativeModel | EncoderOnly, inputs: readonly (readonly number[])[], config: GenerationConfig = {},
): { setup: SearchSetup; cfg: ResolvedGenerationConfig } {
  const cfg = resolveGenerationConfig(config);
  const c = model.config;
  if (c.architecture === "encoder_only") throw new OptionError("an encoder_only model classifies; it cannot generate text");
  if (inputs.length === 0) throw new OptionError("generate: no inputs");
  const what = c.architecture === "seq2seq" ? "source" : "prompt";
  inputs.forEach((row, i) => {
    if (row.length === 0) throw new OptionError(`${what} ${i} is empty${c.architecture === "decoder_only" ? " (start a prompt with bos)" : ""}`);
    if (row.length > c.max_len) {
      throw new OptionError(`${what} ${i} has ${row.length} tokens, more than the model's max_len ${c.max_len} (truncate it first)`);
    }
  });
  if (c.architecture === "seq2seq") {
    const decoder = new Seq2SeqStepDecoder(model as Seq2Seq, tokenBatch(inputs, c.pad_id));
    const limits = inputs.map((r) => cfg.maxNewTokens ?? r.length + SOURCE_LENGTH_MARGIN);
    return { setup: { decoder, histories: inputs.map(() => [c.bos_id]), limits, eosId: c.eos_id }, cfg };
  }
  const decoder = new DecoderOnlyStepDecoder(model as DecoderOnly, inputs);
  const limits = inputs.map(() => cfg.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS);
  return { setup: { decoder, histories: inputs.map((r) => [...r]), limits, eosId: c.eos_id }, cfg };
}

/**
 * Generates for a batch of inputs with a KV cache: translations of source id rows (seq2seq) or continuations
 * of prompt id rows (decoder_only; a prompt usually starts with bos). Rows may differ in length.
 */
export function generate(model: GenerativeModel, inputs: readonly (readonly number[])[], config: GenerationConfig = {}): GenerationOutput {
  const { setup, cfg } = prepareSearch(model, inputs, config);
  if (cfg.strategy === "beam") return { results: beamSearch(setup, cfg) };
  const steps = tokenSearch(setup, cfg);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return cfg.strategy === "sample" ? { results: r.value, seed: cfg.seed } : { results: r.value };
}
