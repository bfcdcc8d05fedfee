/** transformer for Node.js: everything in the browser-safe API, plus files and the training loop. */
export * from "./index.js";
export { saveCheckpoint, readConfig, CONFIG_FILE, WEIGHTS_FILE } from "./models/checkpoint.js";
/** A checkpoint folder's model, checked against its manifest where a training run wrote one. */
export { loadModel as loadCheckpoint } from "./run/load.js";
export { readSafetensors, writeSafetensors } from "./models/safetensors-file.js";
export { writeFileAtomic } from "./io/atomic-write.js";
export { loadTokenizer, saveTokenizer } from "./tokenizer/file.js";
export * as data from "./data/index.js";
export * as evaluation from "./eval/index.js";
export { trainModel, loadForInference, type TrainOptions, type TrainResult, type InferenceParts } from "./run/index.js";
export { evaluate } from "./eval/index.js";
export { PRESETS, presetConfig } from "./train/presets.js";
/** ONNX export (exportOnnx, the graph builder, the writer) and greedy decoding of an export by ONNX Runtime. */
export * as onnx from "./export/index.js";
