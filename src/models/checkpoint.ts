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
import { loadStateDict, stateDict } from "./state-dict.js";
import { readSafetensors, writeSafetensors } from "./safetensors-file.js";
import type { SafetensorsDtype } from "./safetensors.js";

import { CONFIG_FILE, WEIGHTS_FILE } from "./files.js";

export { CONFIG_FILE, WEIGHTS_FILE };

/** Reads and validates DIR/config.json. */
export function readConfig(dir: string): ModelConfig {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(dir)) throw new CheckpointError(`${dir}: checkpoint folder not found`);
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (a checkpoint folder holds config.json and model.safetensors)`);
  return parseConfig(readJsonFile(file, CheckpointError), file);
}

/**
 * Loads DIR/config.json and DIR/model.safetensors into a ready model (in eval mode), as they are: the run layer's
 * loadModel (run/load.ts) checks them against the manifest a training run writes before calling this.
 */
export function loadCheckpoint(dir: string, rng: Rng = new Rng(0)): { config: ModelConfig; model: Model } {
  if (!fs.existsSync(dir)) throw new CheckpointError(`${dir}: checkpoint folder not found`);
  const config = readConfig(dir);
  const file = path.join(dir, WEIGHTS_FILE);
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: missing (a checkpoint folder holds config.json and model.safetensors)`);
  const { tensors } = readSafetensors(file);
  const model = buildModel(config, rng);
  loadStateDict(model, tensors, file);
  model.eval();
  return { config, model };
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
