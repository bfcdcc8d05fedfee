/**
 * What we read of a Hugging Face folder's tokenizer_config.json (transformers' tokenizer settings beside
 * tokenizer.json), from its parsed JSON: Node's folder loaders and the page's in-memory one share these.
 * Browser-safe.
 */
import { CheckpointError } from "../errors.js";
import type { ModelConfig } from "../models/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import type { WordPieceTokenizer } from "../tokenizer/wordpiece.js";

export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

/** A token setting's spelling: a string, or an AddedToken object's content. */
function tokenContent(v: unknown): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>).content : v;
}

function asObject(raw: unknown, file: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CheckpointError(`${file}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * Checks a byte-level BPE folder's tokenizer_config.json (undefined: none) against what we run: its bos and eos
 * tokens must be the config's; add_eos_token and add_prefix_space (which change the ids of a prompt) are refused
 * when true. Returns whether a prompt starts with bos: add_bos_token (false for GPT-2, whose tokenizer adds none).
 */
export function promptAddsBos(raw: unknown, file: string, tokenizer: Tokenizer, config: ModelConfig): boolean {
  if (raw === undefined) return false;
  const tc = asObject(raw, file);
  for (const key of ["add_eos_token", "add_prefix_space"]) {
    if (tc[key] === true) throw new CheckpointError(`${file}: "${key}" is true; not supported (prompts are encoded as tokenizer.json says, with no eos and no added space)`);
  }
  for (const [key, id] of [["bos_token", config.bos_id], ["eos_token", config.eos_id]] as const) {
    const content = tokenContent(tc[key]);
    if (content != null && content !== tokenizer.idToToken(id)) {
      throw new CheckpointError(`${file}: "${key}" is ${JSON.stringify(content)}, but config.json's ${key}_id ${id} is ${JSON.stringify(tokenizer.idToToken(id))}`);
    }
  }
  return tc.add_bos_token === true;
}

/** A WordPiece folder's mask token: tokenizer_config.json's mask_token (undefined: no such file), else "[MASK]". */
export function maskTokenOf(raw: unknown, file: string, tokenizer: WordPieceTokenizer, tokenizerFile: string): string {
  if (raw === undefined) return "[MASK]";
  const content = tokenContent((raw as Record<string, unknown> | null)?.mask_token);
  if (content == null) return "[MASK]";
  if (typeof content !== "string" || tokenizer.tokenToId(content) === undefined) throw new CheckpointError(`${file}: "mask_token" ${JSON.stringify(content)} is not a token of ${tokenizerFile}`);
  return content;
}
