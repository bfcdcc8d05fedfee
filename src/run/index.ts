/**
 * The run layer: a run folder's format, load-for-inference, and training runs (options, persistence, the loop's
 * sittings) — everything the doors (CLI, page workers, a server) share about runs and checkpoint folders.
 * Node-only except format.ts and parts.ts.
 */
export * from "./format.js";
export { type InferenceParts, bpeTokenizer, checkTokenizers, promptIds } from "./parts.js";
export { loadForInference } from "./inference.js";
export { type TrainOptions, type RunOptions, type GivenOptions, type ResumeKind, type OptionSpec, type OptionTable, type AnySpec, TRAIN_OPTIONS } from "./options.js";
export { type TrainEvents, type TrainResult, type LogEvent, type EvalEvent, type StopSignal, type RunRequest, trainModel } from "./train-run.js";
export { DivergenceError } from "./divergence.js";
export { SHIPPED_MODEL, type ShippedScores, checkpointOrShipped, shippedModelDir } from "./shipped.js";
