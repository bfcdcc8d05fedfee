import type { Backend } from "./backend.js";
import { jsBackend } from "./js/index.js";

export type { Backend, GemmArgs, AttentionMask, AdamArgs } from "./backend.js";
export { jsBackend };

let current: Backend = jsBackend;

/**
 * The backend's toHost (Backend.toHost), or null on a CPU backend: host code calls it before it reads or writes an
 * array that a kernel may have written. A live binding: it changes with setBackend.
 */
export let hostSync: ((a: ArrayBufferView) => void) | null = null;

/** Makes a's host copy current (a no-op on CPU backends); see Backend.toHost. */
export function toHost(a: ArrayBufferView): void {
  if (hostSync !== null) hostSync(a);
}

/** The backend every tensor op runs on. */
export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
  hostSync = b.toHost ? b.toHost.bind(b) : null;
}
