/**
 * Checkpoints of Hugging Face transformers: a config.json that names a model_type (not our "architecture") is read
 * through the format its architecture module lists for that type (src/models/architectures/), and its tensors are
 * mapped onto our state dict the same way. Browser-safe.
 */
import { CheckpointError, ConfigError } from "../errors.js";
import { HUGGING_FACE_MODEL_TYPES, type ModelConfig, huggingFaceFormat } from "./architectures/registry.js";
import { parseConfig } from "./config.js";
import type { NamedTensor } from "./safetensors.js";

/** Whether a parsed config.json is transformers' (it has model_type and no architecture of ours). */
export function isHuggingFaceConfig(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && "model_type" in raw && !("architecture" in raw);
}

/** A transformers checkpoint read as one of our architectures. */
export interface HuggingFaceCheckpoint {
  /** config.json's model_type ("gpt2"). */
  modelType: string;
  config: ModelConfig;
  /** Its tensors (as transformers saved them) as our state dict; `file` names them in errors. */
  stateDict(tensors: ReadonlyMap<string, NamedTensor>, file: string): Map<string, NamedTensor>;
}

/**
 * Our config for transformers' config.json, and the mapping of its tensors. An unknown model_type, a value the
 * architecture does not compute or an unknown key is one ConfigError line naming `file` and the key.
 */
export function importHuggingFace(raw: Record<string, unknown>, file = "config.json"): HuggingFaceCheckpoint {
  const modelType = raw.model_type;
  const found = typeof modelType === "string" ? huggingFaceFormat(modelType) : undefined;
  if (!found) {
    throw new ConfigError(`${file}: model_type ${JSON.stringify(modelType)} is not supported; Hugging Face checkpoints load for model_type ${HUGGING_FACE_MODEL_TYPES.map((t) => JSON.stringify(t)).join(", ")}`);
  }
  const type = modelType as string;
  const ours = found.format.config(raw, (message) => {
    throw new ConfigError(`${file}: ${message}`);
  });
  const config = parseConfig(ours, `${file} (model_type "${type}" as ${found.architecture.name})`);
  return {
    modelType: type,
    config,
    stateDict: (tensors, where) => found.format.tensors(tensors, config, (message) => {
      throw new CheckpointError(`${where}: ${message}`);
    }),
  };
}
