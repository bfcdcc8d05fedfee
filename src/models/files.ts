/** The two files of a model folder (browser-safe; the run layer's format.ts names the rest of a run folder). */
export const CONFIG_FILE = "config.json";
/** The weights, by PyTorch state_dict name. */
export const WEIGHTS_FILE = "model.safetensors";
