import { Rng } from "../tensor/index.js";
import { type Model, type ModelConfig, modelArchitecture } from "./architectures/registry.js";

export type { Model };

/** A model of the config's architecture, with zeroed weights (load or initialise them next). */
export function buildModel(config: ModelConfig, rng: Rng = new Rng(0)): Model {
  return modelArchitecture(config.architecture).build(config, rng);
}
