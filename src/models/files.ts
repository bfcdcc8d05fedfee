/** The two files of a model folder (browser-safe; the run layer's format.ts names the rest of a run folder). */
export const CONFIG_FILE = "config.json";
/** The weights, by PyTorch state_dict name. */
export const WEIGHTS_FILE = "model.safetensors";
/** Sharded weights (save_pretrained past its shard size): which shard holds each tensor. */
export const WEIGHTS_INDEX_FILE = "model.safetensors.index.json";
