/** How many threads a fast backend (wasm, native) runs: the option, else TRANSFORMER_THREADS, else every core. */
import { OptionError } from "../errors.js";
import { isNode } from "./runtime.js";

/** A bound that stops a slip (TRANSFORMER_THREADS=4000) before it spawns that many workers and buffers. */
const MAX_THREADS = 256;

/**
 * `value` as a thread count, from the option or variable `name`; an OptionError naming both otherwise. Text must
 * be plain digits (Number() would take "0x10", "1e2" or " 4 ").
 */
export function parseThreads(value: string | number, name: string): number {
  const t = typeof value === "number" ? value : /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(t) || t < 1 || t > MAX_THREADS) {
    throw new OptionError(`${name}=${typeof value === "string" ? JSON.stringify(value) : value}: expected a whole number ≥ 1 (at most ${MAX_THREADS})`);
  }
  return t;
}

/** The threads to run: `requested` (the backend's option) if given, else TRANSFORMER_THREADS in Node, else the cores. */
export async function resolveThreads(requested: number | undefined): Promise<number> {
  if (requested !== undefined) return parseThreads(requested, "threads");
  if (isNode()) {
    const env = process.env.TRANSFORMER_THREADS;
    if (env !== undefined && env !== "") return parseThreads(env, "TRANSFORMER_THREADS");
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}
