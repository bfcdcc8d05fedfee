import * as fs from "node:fs";
import { CheckpointError } from "../errors.js";
import { CONFIG_FILE, type LoadedCheckpoint, WEIGHTS_FILE, loadCheckpoint } from "../models/checkpoint.js";
import { Rng } from "../tensor/index.js";
import { assertIntact } from "./intact.js";

/**
 * Loads DIR/config.json and DIR/model.safetensors into a ready model (in eval mode). A folder a training run saved
 * carries a manifest: both files must match it, else the folder is refused as torn, naming the checkpoint to use.
 * A folder without one (made by `init`, by hand, by PyTorch, or a Hugging Face one) loads as it is.
 */
export function loadModel(dir: string, rng: Rng = new Rng(0)): LoadedCheckpoint {
  if (!fs.existsSync(dir)) throw new CheckpointError(`${dir}: checkpoint folder not found`);
  assertIntact(dir, [CONFIG_FILE, WEIGHTS_FILE]);
  return loadCheckpoint(dir, rng);
}
