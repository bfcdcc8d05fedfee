import { type GenerationConfig, GENERATION_KEYS, type ResolvedGenerationConfig, resolveGenerationConfig } from "../generate/index.js";
import { HttpError } from "./http-error.js";
import { jsonNameOf } from "./names.js";

/** What a client asked of a text route, checked. */
export interface TextRequest {
  texts: string[];
  /** Return the generated token ids beside the texts. */
  ids: boolean;
  /** Answer as server-sent events, a token at a time. */
  stream: boolean;
  config: GenerationConfig;
  resolved: ResolvedGenerationConfig;
}

export interface ClassifyRequest {
  texts: string[];
  /** Only the k most probable labels (default: every label). */
  top: number | undefined;
}

/** One answer per text, best first: the API returns the best hypothesis only, so the n-best option is not offered. */
const GENERATION_FIELDS = GENERATION_KEYS.filter((k) => k !== "numReturnSequences");

const bad = (message: string) => new HttpError(400, message);

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("the body must be a JSON object");
  return body as Record<string, unknown>;
}

function refuseUnknown(fields: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) throw bad(`unknown field "${key}"; expected one of ${known.join(", ")}`);
  }
}

/** `text`: one string or a non-empty array of strings, at most maxTexts of them. */
function texts(fields: Record<string, unknown>, name: string, maxTexts: number, fallback?: string): string[] {
  const v = fields[name];
  if (v === undefined) {
    if (fallback !== undefined) return [fallback];
    throw bad(`"${name}" is missing: give a string or an array of strings`);
  }
  const list = typeof v === "string" ? [v] : Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === "string") ? v as string[] : null;
  if (!list) throw bad(`"${name}" must be a string or a non-empty array of strings`);
  if (list.length > maxTexts) throw new HttpError(413, `"${name}" has ${list.length} texts, more than the ${maxTexts} a request may hold`);
  return list;
}

function flag(fields: Record<string, unknown>, name: string): boolean {
  const v = fields[name];
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw bad(`"${name}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A translate or generate request: its texts (`text`, or `prompt` for generate, default bos alone), `ids`,
 * `stream`, and the library's generation options under their JSON names, checked by resolveGenerationConfig
 * as the CLI's are. `beam` alone means beam search; generate samples unless told otherwise, as the CLI does.
 */
export function parseTextRequest(body: unknown, route: "translate" | "generate", maxTexts: number): TextRequest {
  const fields = object(body);
  const textField = route === "translate" ? "text" : "prompt";
  const names = new Map(GENERATION_FIELDS.map((k) => [jsonNameOf(k), k]));
  if ("num_return_sequences" in fields) throw bad("num_return_sequences is not served: each text gets its best hypothesis");
  refuseUnknown(fields, [textField, "ids", "stream", ...names.keys()]);
  const config: Record<string, unknown> = {};
  for (const [name, key] of names) if (fields[name] !== undefined) config[key] = fields[name];
  if (config.strategy === undefined) config.strategy = config.numBeams !== undefined ? "beam" : route === "generate" ? "sample" : "greedy";
  const stream = flag(fields, "stream");
  if (stream && config.strategy === "beam") throw bad('"stream" works with greedy search and sampling, not beam search');
  const resolved = resolveGenerationConfig(config as GenerationConfig);
  return { texts: texts(fields, textField, maxTexts, route === "generate" ? "" : undefined), ids: flag(fields, "ids"), stream, config: config as GenerationConfig, resolved };
}

export function parseClassifyRequest(body: unknown, maxTexts: number): ClassifyRequest {
  const fields = object(body);
  refuseUnknown(fields, ["text", "top"]);
  const top = fields.top;
  if (top !== undefined && (typeof top !== "number" || !Number.isInteger(top) || top < 1)) throw bad(`top must be an integer ≥ 1, got ${JSON.stringify(top)}`);
  return { texts: texts(fields, "text", maxTexts), top: top as number | undefined };
}
