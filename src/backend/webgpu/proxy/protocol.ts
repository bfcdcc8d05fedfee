/**
 * Messages between the WebGPU backend on the model's thread (./client.ts) and the worker that owns the GPU device
 * (./worker.ts). Commands go one way in batches, in order; the model's thread waits only for a download or a sync,
 * on a shared control block the worker fills and notifies (Atomics), so the Backend stays synchronous while
 * WebGPU's readbacks are asynchronous: a thread waiting in Atomics.wait cannot run WebGPU's callbacks itself.
 */

export type Command =
  | { op: "alloc"; id: number; bytes: number }
  | { op: "free"; id: number }
  | { op: "upload"; id: number; data: ArrayBuffer }
  | { op: "run"; kernel: string; args: unknown[] }
  | { op: "download"; id: number; bytes: number; into: SharedArrayBuffer }
  | { op: "sync" }
  /** GPUDevice.destroy(): the device is lost, as in a driver reset (WorkerDevice.simulateLoss). */
  | { op: "destroy" }
  /** The pool's buffers, bytes and free buffers and the pipelines, written as 4 float64s into `into`. */
  | { op: "memory"; into: SharedArrayBuffer };

/** The worker's first message: the adapter it got, or why there is none (`none`: no adapter, or no hardware one asked for). */
export type Ready =
  | { ok: true; adapter: { vendor: string; architecture: string; device: string; description: string; software: boolean } }
  | { ok: false; error: string; none?: boolean };

/** The model thread's first message: the control block, and whether a software adapter will do. */
export interface Init {
  control: SharedArrayBuffer;
  hardwareOnly: boolean;
}

/** Control block (Int32Array over a SharedArrayBuffer): [state, error length] then the error text (UTF-8). */
export const STATE = 0;
export const ERROR_LENGTH = 1;
export const ERROR_TEXT_BYTE = 8;
export const CONTROL_BYTES = 8 + 4096;
export const WAITING = 0;
export const DONE = 1;
export const FAILED = 2;
