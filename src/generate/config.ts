import { OptionError } from "../errors.js";

/** Which search picks the next token. */
export type SearchStrategy = "greedy" | "beam" | "sample";

/**
 * How beam search scores and stops. gnmt: GNMT's length penalty ((5 + |Y|) / 6)^α, and an input's search ends
 * once numBeams hypotheses have finished. huggingface: Hugging Face transformers' beam search (generate() with
 * num_beams, early_stopping=False): log P(Y) / |Y|^α, the numBeams best finished hypotheses kept, ended when
 * the best live beam's log P / |Y|^α no longer beats the worst kept one; logits processors applied after the
 * log-softmax, as there.
 */
export type BeamConvention = "gnmt" | "huggingface";

/**
 * How to generate. Every field is optional and has the default written on it. A field that cannot apply to
 * the chosen strategy is an error (OptionError), never silently ignored: `temperature` with greedy search,
 * `topP` with beam search, and so on.
 */
export interface GenerationConfig {
  /**
   * greedy: the most likely token each step. beam: beam search with a length penalty. sample: draw from the
   * (processed) next-token distribution.
   * @default "greedy"
   */
  strategy?: SearchStrategy;
  /**
   * Most tokens to generate per sequence, eos included (integer ≥ 1). Generation also stops where the
   * model's max_len positions run out.
   * @default seq2seq: each source's length + 50 (paper §6.1); decoder_only: 50
   */
  maxNewTokens?: number;
  /**
   * CTRL's repetition penalty θ (Keskar et al. 2019, as Hugging Face applies it): the logit of every token
   * already in the sequence (prompt or bos included) is divided by θ when positive and multiplied by θ when
   * negative. > 0; 1 turns it off. Applies to every strategy.
   * @default 1
   */
  repetitionPenalty?: number;
  /** Beam width (beam only; integer ≥ 1). @default 4 */
  numBeams?: number;
  /**
   * Length penalty α (beam only): finished hypotheses are ranked by log P(Y) / lp(Y), |Y| counting the generated
   * tokens with eos; with beamConvention "gnmt" (Wu et al. 2016) lp(Y) = ((5 + |Y|) / 6)^α, with "huggingface"
   * lp(Y) = |Y|^α. 0 ranks by log P alone; larger values favour longer outputs.
   * @default 0.6 (gnmt), 1 (huggingface, transformers' default)
   */
  lengthPenalty?: number;
  /** Whose beam search (beam only): see BeamConvention. @default "gnmt" */
  beamConvention?: BeamConvention;
  /** Hypotheses returned per input, best first (beam only; 1 ≤ n ≤ numBeams). @default 1 */
  numReturnSequences?: number;
  /** Logits are divided by T before sampling (sample only; > 0; < 1 sharpens, > 1 flattens). @default 1 */
  temperature?: number;
  /**
   * Sample among the k most likely tokens only (sample only; integer ≥ 1; tokens tied with the k-th are kept).
   * @default undefined (off)
   */
  topK?: number;
  /**
   * Nucleus sampling (Holtzman et al. 2020, sample only; 0 < p ≤ 1): sample among the fewest most likely
   * tokens whose probabilities add up to at least p (always at least one token).
   * @default undefined (off)
   */
  topP?: number;
  /** Seed of the sampler (sample only; integer ≥ 0): the same seed repeats the same samples. @default random, reported in the output */
  seed?: number;
}

/** A config with every default filled in, as the searches read it. */
export interface ResolvedGenerationConfig {
  strategy: SearchStrategy;
  maxNewTokens: number | undefined;
  repetitionPenalty: number;
  numBeams: number;
  lengthPenalty: number;
  beamConvention: BeamConvention;
  numReturnSequences: number;
  temperature: number;
  topK: number | undefined;
  topP: number | undefined;
  seed: number;
}

const STRATEGIES: readonly SearchStrategy[] = ["greedy", "beam", "sample"];
const COMMON_KEYS = ["strategy", "maxNewTokens", "repetitionPenalty"] as const;
const STRATEGY_KEYS: Record<SearchStrategy, readonly string[]> = {
  greedy: [],
  beam: ["numBeams", "lengthPenalty", "beamConvention", "numReturnSequences"],
  sample: ["temperature", "topK", "topP", "seed"],
};
/** Every GenerationConfig key, in the order the errors list them (a door maps them to its own names). */
export const GENERATION_KEYS: readonly (keyof GenerationConfig)[] = [...COMMON_KEYS, ...(Object.values(STRATEGY_KEYS).flat() as (keyof GenerationConfig)[])];
const ALL_KEYS = new Set<string>(GENERATION_KEYS);

/**
 * Checks a generation config and fills its defaults. Unknown fields, fields that do not apply to the strategy
 * and out-of-range values throw an OptionError carrying the field's key (a door names it as its users know it).
 */
export function resolveGenerationConfig(config: GenerationConfig = {}): ResolvedGenerationConfig {
  const raw = config as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!ALL_KEYS.has(key)) throw new OptionError(key, (name) => `unknown generation option "${key}"; expected one of ${[...ALL_KEYS].map(name).join(", ")}`);
  }
  const strategy = config.strategy ?? "greedy";
  if (!STRATEGIES.includes(strategy)) {
    throw new OptionError("strategy", `must be one of ${STRATEGIES.join(", ")}, got ${JSON.stringify(strategy)}`);
  }
  const allowed = new Set<string>([...COMMON_KEYS, ...STRATEGY_KEYS[strategy]]);
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || allowed.has(key)) continue;
    const owner = STRATEGIES.find((s) => STRATEGY_KEYS[s].includes(key))!;
    throw new OptionError(key, (name) => `${name(key)} applies to ${owner === "beam" ? "beam search" : "sampling"} only, not to ${name("strategy")} "${strategy}"`);
  }
  const int = (key: keyof GenerationConfig, min: number): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new OptionError(key, `must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const positive = (key: keyof GenerationConfig): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new OptionError(key, `must be a number > 0, got ${JSON.stringify(v)}`);
    return v;
  };
  const maxNewTokens = int("maxNewTokens", 1);
  const repetitionPenalty = positive("repetitionPenalty") ?? 1;
  const numBeams = int("numBeams", 1) ?? 4;
  const lp = raw.lengthPenalty;
  if (lp !== undefined && (typeof lp !== "number" || !Number.isFinite(lp))) throw new OptionError("lengthPenalty", `must be a finite number, got ${JSON.stringify(lp)}`);
  const beamConvention = raw.beamConvention ?? "gnmt";
  if (beamConvention !== "gnmt" && beamConvention !== "huggingface") {
    throw new OptionError("beamConvention", `must be "gnmt" or "huggingface", got ${JSON.stringify(beamConvention)}`);
  }
  const numReturnSequences = int("numReturnSequences", 1) ?? 1;
  if (numReturnSequences > numBeams) throw new OptionError("numReturnSequences", (name) => `${name("numReturnSequences")} ${numReturnSequences} is more than ${name("numBeams")} ${numBeams}`);
  const temperature = positive("temperature") ?? 1;
  const topK = int("topK", 1);
  const topP = positive("topP");
  if (topP !== undefined && topP > 1) throw new OptionError("topP", `must be in (0, 1], got ${topP}`);
  const seed = int("seed", 0) ?? Math.floor(Math.random() * 2 ** 32);
  if (seed >= 2 ** 32) throw new OptionError("seed", `must be below 2^32, got ${seed}`);
  return {
    strategy, maxNewTokens, repetitionPenalty, numBeams, lengthPenalty: (lp as number | undefined) ?? (beamConvention === "gnmt" ? 0.6 : 1),
    beamConvention, numReturnSequences, temperature, topK, topP, seed,
  };
}
