/**
 * The exports a worker may be asked to run, by index (the control block carries the index, not the name).
 * Shared by pool.ts (the main thread) and worker.ts.
 */
export const TASKS = [
  "gemm_run",
  "gemm_chunks",
  "softmax_rows",
  "masked_softmax_rows",
  "attend_one_rows",
  "softmax_backward_rows",
  "layer_norm_rows",
  "layer_norm_backward_rows",
  "gelu",
  "gelu_backward",
  "relu",
  "relu_backward",
  "cross_entropy_rows",
  "cross_entropy_backward_rows",
  "adam",
] as const;

export type TaskName = (typeof TASKS)[number];

/** Control block: one slot of SLOT_BYTES per worker, int32 fields then float64 arguments. */
export const SLOT_BYTES = 256;
export const SLOT_INTS = SLOT_BYTES / 4;
export const SEQ = 0; // bumped by the main thread to hand over a task
export const DONE = 1; // set to SEQ by the worker when the task has finished
export const FN = 2; // index into TASKS, or QUIT
export const NARGS = 3;
export const ERR = 4; // 1 when the task threw
export const TAKEN = 5; // set to SEQ by the worker when it takes the task
export const ARGS_BYTE = 64; // float64 arguments start here within the slot
export const MAX_ARGS = (SLOT_BYTES - ARGS_BYTE) / 8;
export const QUIT = -1;

/** Iterations a waiting thread polls before it sleeps in Atomics.wait (a short spin hides the wake-up latency). */
export const SPIN = 20000;

/** A worker that has not taken its task after this long is taken for dead (ms). */
export const TAKE_TIMEOUT_MS = 30_000;
