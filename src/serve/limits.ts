import { OptionError } from "../errors.js";

/** What one server accepts and how it batches; each has a `serve` flag of the same name in kebab case. */
export interface ServeLimits {
  /** Largest request body in bytes (413 beyond). @default 1 MiB */
  maxBodyBytes: number;
  /** Most texts (or prompts) in one request (413 beyond). @default 64 */
  maxTexts: number;
  /** Most requests waiting for the model; one more is a 503 with Retry-After. @default 64 */
  maxQueue: number;
  /** Most padded input tokens (longest row × rows × beams) decoded in one batch. @default 4096 */
  maxBatchTokens: number;
  /** How long the first request of a batch waits for others to join it. @default 5 */
  maxWaitMs: number;
  /** Requests that arrive together share a batch; off, each request is decoded on its own. @default true */
  batching: boolean;
  /** A request not answered (or, streamed, not started) this long after it arrived is a 504. @default 60000 */
  deadlineMs: number;
  /** A client must send its headers within this (Node's server.headersTimeout; 408 after). @default 10000 */
  headersTimeoutMs: number;
  /** ...and its whole request within this (Node's server.requestTimeout; 408 after). @default 30000 */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxBodyBytes: 1 << 20,
  maxTexts: 64,
  maxQueue: 64,
  maxBatchTokens: 4096,
  maxWaitMs: 5,
  batching: true,
  deadlineMs: 60_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** The limits with defaults filled; a value that is not a positive integer (maxWaitMs: ≥ 0) is an OptionError. */
export function resolveLimits(given: Partial<ServeLimits> = {}): ServeLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given) as [keyof ServeLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new OptionError(key, "is not a server limit");
    if (key === "batching") {
      if (typeof value !== "boolean") throw new OptionError(key, `must be true or false, got ${JSON.stringify(value)}`);
      out.batching = value;
      continue;
    }
    const min = key === "maxWaitMs" ? 0 : 1;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) throw new OptionError(key, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  // Node refuses a headers timeout longer than the request's, which includes the headers
  if (out.headersTimeoutMs > out.requestTimeoutMs) {
    throw new OptionError("headersTimeoutMs", (name) => `${name("headersTimeoutMs")} ${out.headersTimeoutMs} is longer than ${name("requestTimeoutMs")} ${out.requestTimeoutMs}`);
  }
  return out;
}
