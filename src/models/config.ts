import { ConfigError } from "../errors.js";
import { ACTIVATION_NAMES, type Activation } from "../nn/index.js";
import { type Architecture, type ModelConfig, ARCHITECTURES, modelArchitecture } from "./architectures/registry.js";
import { vocabSizeKeys } from "./architectures/spec.js";

export type { Architecture, ModelConfig };

/** Keys every architecture shares (the names of shared/reference/README.md, as written in config.json). */
export interface CommonConfig {
  d_model: number;
  num_heads: number;
  d_ff: number;
  dropout: number;
  activation: Activation;
  norm_first: boolean;
  layer_norm_eps: number;
  positional: "sinusoidal" | "learned";
  max_len: number;
  scale_embeddings: boolean;
  /**
   * One matrix for the token embeddings and the output projection onto the vocabulary (paper §3.4; Hugging Face's
   * name): seq2seq's source and target embeddings and generator.weight, decoder_only's embed and lm_head.weight.
   */
  tie_word_embeddings: boolean;
  pad_id: number;
  bos_id: number;
  eos_id: number;
}

/** Defaults for the keys a user may leave out (the reference cases spell them all out). */
export const CONFIG_DEFAULTS = {
  dropout: 0.1,
  activation: "relu",
  norm_first: false,
  layer_norm_eps: 1e-5,
  positional: "sinusoidal",
  max_len: 512,
  scale_embeddings: true,
  tie_word_embeddings: false,
  pad_id: 0,
  bos_id: 1,
  eos_id: 2,
} as const;

const COMMON_REQUIRED = ["d_model", "num_heads", "d_ff"] as const;
/** Keys the project writes beside the model's own; read by other layers (tokenizer, labels), never by the model. */
const INFORMATIONAL = ["labels", "tokenizer", "created_by"];

/**
 * Validates a parsed config.json and fills defaults. Every problem is one ConfigError naming the file and
 * the key. Unknown keys are refused: a key we do not implement must not be silently ignored.
 */
export function parseConfig(raw: unknown, file = "config.json"): ModelConfig {
  const fail = (msg: string): never => {
    throw new ConfigError(`${file}: ${msg}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("expected a JSON object");
  const obj = raw as Record<string, unknown>;
  const arch = obj.architecture;
  if (arch === undefined && typeof obj.model_type === "string") {
    fail(`a Hugging Face config (model_type ${JSON.stringify(obj.model_type)}), not ours: its folder loads as a checkpoint (--checkpoint, loadCheckpoint), which maps it onto our architecture`);
  }
  if (typeof arch !== "string" || !ARCHITECTURES.includes(arch as Architecture)) {
    fail(`unknown architecture ${JSON.stringify(arch)}; expected one of ${ARCHITECTURES.join(", ")}`);
  }
  const a = arch as Architecture;
  const spec = modelArchitecture(a); // its own keys, defaults and checks: src/models/architectures/
  const known = new Set<string>(["architecture", ...COMMON_REQUIRED, ...spec.required, ...Object.keys(spec.defaults), ...Object.keys(CONFIG_DEFAULTS), ...INFORMATIONAL]);
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) fail(`unknown key "${key}" for architecture ${a}`);
  }
  const cfg: Record<string, unknown> = { ...CONFIG_DEFAULTS, ...spec.defaults, ...obj };
  for (const key of Object.keys(cfg)) if (cfg[key] === undefined) delete cfg[key]; // an optional key left out stays out
  for (const key of [...COMMON_REQUIRED, ...spec.required]) {
    if (obj[key] === undefined) fail(`missing key "${key}" (required for ${a})`);
  }
  const int = (key: string, min: number): number => {
    const v = cfg[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(`"${key}" must be an integer ≥ ${min}, found ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (key: string, lo: number, hi: number, hiOpen: boolean): number => {
    const v = cfg[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || (hiOpen ? v >= hi : v > hi)) {
      fail(`"${key}" must be a number in [${lo}, ${hi}${hiOpen ? ")" : "]"}, found ${JSON.stringify(v)}`);
    }
    return v as number;
  };
  const bool = (key: string): void => {
    if (typeof cfg[key] !== "boolean") fail(`"${key}" must be true or false, found ${JSON.stringify(cfg[key])}`);
  };
  const oneOf = (key: string, options: readonly string[]): void => {
    if (!options.includes(cfg[key] as string)) fail(`"${key}" must be one of ${options.join(", ")}, found ${JSON.stringify(cfg[key])}`);
  };

  const dModel = int("d_model", 1);
  const heads = int("num_heads", 1);
  if (dModel % heads !== 0) fail(`"d_model" ${dModel} is not divisible by "num_heads" ${heads}`);
  int("d_ff", 1);
  num("dropout", 0, 1, true);
  oneOf("activation", ACTIVATION_NAMES);
  bool("norm_first");
  bool("scale_embeddings");
  bool("tie_word_embeddings");
  const eps = num("layer_norm_eps", 0, 1, false);
  if (eps <= 0) fail(`"layer_norm_eps" must be positive, found ${eps}`);
  oneOf("positional", ["sinusoidal", "learned"]);
  int("max_len", 1);

  const vocabKeys = vocabSizeKeys(spec);
  const minVocab = Math.min(...vocabKeys.map((k) => int(k, 1)));
  for (const special of ["pad_id", "bos_id", "eos_id"]) {
    const id = int(special, 0);
    if (id >= minVocab) fail(`"${special}" ${id} is outside the vocabulary (${vocabKeys.join("/")} = ${minVocab})`);
  }
  spec.validate(cfg, { int, num, bool, oneOf, fail });
  return cfg as unknown as ModelConfig;
}
