import type { Backend } from "./backend.js";
import { jsBackend } from "./js/index.js";

export type { Backend, GemmArgs, AttentionMask, AdamArgs } from "./backend.js";
export { jsBackend };

let current: Backend = jsBackend;

/** The backend every tensor op runs on. */
export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
