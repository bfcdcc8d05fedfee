import { OptionError } from "../errors.js";
import { type GenerativeModel, type Model, modelArchitecture } from "../models/architectures/registry.js";
import { beamSearch } from "./beam.js";
import { type GenerationConfig, type ResolvedGenerationConfig, resolveGenerationConfig } from "./config.js";
import { type Hypothesis, type SearchSetup, tokenSearch } from "./search.js";

export interface GenerationOutput {
  /** Per input, its hypotheses best first: one, or numReturnSequences with beam search. */
  results: Hypothesis[][];
  /** The sampler's seed (sampling only): pass it back as `seed` to repeat the run. */
  seed?: number;
}

/**
 * Checks the inputs and config and builds the search: the model's step decoder over the (padded) batch, each
 * input's history (bos for seq2seq, the prompt for decoder_only) and its length limit, as its architecture
 * module's decoding says (src/models/architectures/).
 */
export function prepareSearch(model: Model, inputs: readonly (readonly number[])[], config: GenerationConfig = {}): { setup: SearchSetup; cfg: ResolvedGenerationConfig } {
  const cfg = resolveGenerationConfig(config);
  const c = model.config;
  const decoding = modelArchitecture(c.architecture).decoding;
  if (!decoding) throw new OptionError(`${c.architecture} models do not generate text`);
  if (inputs.length === 0) throw new OptionError("generate: no inputs");
  const what = decoding.input;
  inputs.forEach((row, i) => {
    if (row.length === 0) throw new OptionError(`${what} ${i} is empty${decoding.whenEmpty ? ` (${decoding.whenEmpty})` : ""}`);
    if (row.length > c.max_len) {
      throw new OptionError(`${what} ${i} has ${row.length} tokens, more than the model's max_len ${c.max_len} (truncate it first)`);
    }
  });
  const { decoder, histories, limits } = decoding.start(model, inputs, cfg.maxNewTokens);
  return { setup: { decoder, histories, limits, eosId: c.eos_id }, cfg };
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
