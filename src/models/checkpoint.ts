import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { Rng } from "../tensor/index.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { readJsonFile } from "../io/read-json.js";
import { fsCall } from "../io/fs-error.js";
import { makeFolder } from "../io/make-folder.js";
import { type Model, buildModel } from "./build.js";
import { type ModelConfig, parseConfig } from "./config.js";
import { type HuggingFaceCheckpoint, importHuggingFace, isHuggingFaceConfig } from "./huggingface.js";
import { readHuggingFaceWeights } from "./huggingface-files.js";
import { loadStateDict, stateDict } from "./state-dict.js";
import { readSafetensors, writeSafetensors } from "./safetensors-file.js";
import type { NamedTensor, SafetensorsDtype } from "./safetensors.js";

import { CONFIG_FILE, WEIGHTS_FILE } from "./files.js";

export { CONFIG_FILE, WEIGHTS_FILE };

/** DIR/config.json as read: ours, or a Hugging Face one (model_type) with the mapping of its tensors. */
function readConfigFile(dir: string): { config: ModelConfig; huggingFace?: HuggingFaceCheckpoint } {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(dir)) throw new CheckpointError(`${dir}: checkpoint folder not found`);
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (a checkpoint folder holds config.json and model.safetensors)`);
  if (fs.existsSync(path.join(dir, "onnx")) && !fs.existsSync(path.join(dir, WEIGHTS_FILE))) {
    // a seq2seq ONNX export's config.json is transformers.js's (model_type "marian"): not a checkpoint of any kind we load
    throw new CheckpointError(`${dir}: an ONNX export (onnx/*.onnx), not a checkpoint; run it in ONNX Runtime or transformers.js, or pass the checkpoint it was exported from`);
  }
  const raw = readJsonFile(file, CheckpointError);
  if (!isHuggingFaceConfig(raw)) return { config: parseConfig(raw, file) };
  const huggingFace = importHuggingFace(raw, file);
  return { config: huggingFace.config, huggingFace };
}

/** Reads and validates DIR/config.json (ours, or a Hugging Face one, read as the architecture it loads as). */
export function readConfig(dir: string): ModelConfig {
  return readConfigFile(dir).config;
}

/** A loaded checkpoint; `huggingFace` is set for a transformers folder (its model_type). */
export interface LoadedCheckpoint {
  config: ModelConfig;
  model: Model;
  huggingFace?: string;
}

/**
 * Loads DIR/config.json and DIR/model.safetensors into a ready model (in eval mode), as they are: the run layer's
 * loadModel (run/load.ts) checks them against the manifest a training run writes before calling this. A folder of
 * Hugging Face transformers (config.json with a model_type; model.safetensors or sharded) loads as the architecture
 * that lists its model_type (src/models/architectures/), its tensors mapped onto ours.
 */
export function loadCheckpoint(dir: string, rng: Rng = new Rng(0)): LoadedCheckpoint {
  const { config, huggingFace } = readConfigFile(dir);
  let tensors: Map<string, NamedTensor>;
  let file: string;
  if (huggingFace) {
    const read = readHuggingFaceWeights(dir);
    file = read.file;
    tensors = huggingFace.stateDict(read.tensors, file);
  } else {
    file = path.join(dir, WEIGHTS_FILE);
    if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (a checkpoint folder holds config.json and model.safetensors)`);
    tensors = readSafetensors(file).tensors;
  }
  const model = buildModel(config, rng);
  loadStateDict(model, tensors, file);
  model.eval();
  return huggingFace ? { config, model, huggingFace: huggingFace.modelType } : { config, model };
}

/**
 * Writes the model as DIR/model.safetensors and DIR/config.json, each atomically (temp file + rename), weights
 * first: an interrupted save leaves either the old or the new file in each place, never a torn one.
 */
export function saveCheckpoint(dir: string, model: Model, metadata: Record<string, string> = {}, dtype: SafetensorsDtype = "F32"): void {
  makeFolder(dir);
  writeSafetensors(path.join(dir, WEIGHTS_FILE), stateDict(model), { format: "pt", created_by: "transformer", ...metadata }, { dtype });
  const config = path.join(dir, CONFIG_FILE);
  fsCall(config, "write", () => writeFileAtomic(config, JSON.stringify(model.config, null, 2) + "\n"));
}
