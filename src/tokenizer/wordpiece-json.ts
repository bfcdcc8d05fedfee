/**
 * Strict reading of a Hugging Face tokenizer.json whose model is WordPiece (BERT's): BertNormalizer,
 * BertPreTokenizer, WordPiece, a TemplateProcessing or BertProcessing post-processor and the WordPiece decoder.
 * Every component or setting we do not implement is a TokenizerError naming its key, rather than ids that
 * differ from Hugging Face's. Browser-safe.
 */
import { TokenizerError } from "../errors.js";
import type { BertNormalizerOptions } from "./bert-normalizer.js";
import type { AddedToken } from "./hf-json.js";
import { type PostProcessor, parsePostProcessor } from "./template.js";

export interface WordPieceSpec {
  /** Token strings by id, ids 0..n-1 without gaps (model vocab and added tokens together). */
  tokens: string[];
  addedTokens: AddedToken[];
  /** null: the text is not normalized. */
  normalizer: BertNormalizerOptions | null;
  unkToken: string;
  /** What starts a piece that continues a word ("##"). */
  prefix: string;
  /** A longer word is one unknown token. */
  maxInputCharsPerWord: number;
  post: PostProcessor | null;
  /** null: tokens are joined with spaces. */
  decoder: { prefix: string; cleanup: boolean } | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown): string => String(JSON.stringify(v));

/** Whether a parsed tokenizer.json holds a WordPiece model (and so reads with wordPieceSpec). */
export function isWordPieceJson(root: unknown): boolean {
  return isObject(root) && isObject(root.model) && root.model.type === "WordPiece";
}

function only(obj: Json, allowed: readonly string[], where: string, fail: (what: string) => never): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(`${where}.${key} is not supported (expected only ${allowed.join(", ")})`);
}

function parseNormalizer(n: unknown, fail: (what: string) => never): BertNormalizerOptions | null {
  if (n == null) return null;
  if (!isObject(n) || n.type !== "BertNormalizer") return fail(`normalizer ${show(isObject(n) ? n.type : n)} is not supported; expected null or BertNormalizer`);
  only(n, ["type", "clean_text", "handle_chinese_chars", "strip_accents", "lowercase"], "normalizer", fail);
  const flag = (key: string, fallback: boolean): boolean => {
    const v = n[key] ?? fallback;
    if (typeof v !== "boolean") fail(`normalizer.${key} is ${show(n[key])}; expected true or false`);
    return v as boolean;
  };
  const lowercase = flag("lowercase", true);
  // null: strip accents exactly when lowercasing (as `tokenizers` and BERT's original code do)
  return { cleanText: flag("clean_text", true), handleChineseChars: flag("handle_chinese_chars", true), stripAccents: flag("strip_accents", lowercase), lowercase };
}

/** Parse and validate a WordPiece tokenizer.json (its text, or the parsed object). `source` names it in errors. */
export function wordPieceSpec(input: unknown, source = "tokenizer.json"): WordPieceSpec {
  const fail = (what: string): never => {
    throw new TokenizerError(`${source}: ${what}`);
  };
  let root = input;
  if (typeof input === "string") {
    try {
      root = JSON.parse(input);
    } catch (e) {
      return fail(`not valid JSON (${(e as Error).message.split("\n")[0]}); expected a Hugging Face tokenizer.json`);
    }
  }
  if (!isObject(root)) return fail("expected a JSON object (a Hugging Face tokenizer.json) at the top level");
  for (const key of ["truncation", "padding"]) {
    if (root[key] != null) fail(`"${key}" is set; expected null (truncation and padding are done by our data code)`);
  }
  const normalizer = parseNormalizer(root.normalizer, fail);
  const pre = root.pre_tokenizer;
  if (!isObject(pre) || pre.type !== "BertPreTokenizer") fail(`pre_tokenizer ${show(isObject(pre) ? pre.type : pre)} is not supported; expected BertPreTokenizer`);

  const model = root.model;
  if (!isObject(model) || model.type !== "WordPiece") return fail(`model.type is ${show(isObject(model) ? model.type : model)}; expected "WordPiece"`);
  only(model, ["type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"], "model", fail);
  const vocab = model.vocab;
  if (!isObject(vocab)) return fail(`model.vocab is missing or not an object; expected {token: id}`);
  const prefix = model.continuing_subword_prefix ?? "##";
  if (typeof prefix !== "string") return fail(`model.continuing_subword_prefix is ${show(prefix)}; expected a string`);
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (!Number.isInteger(maxChars) || (maxChars as number) < 1) return fail(`model.max_input_chars_per_word is ${show(maxChars)}; expected an integer ≥ 1`);

  // --- ids: model vocab and added tokens together must number 0..n-1 ---
  const tokens: string[] = [];
  const idOf = new Map<string, number>();
  const place = (token: string, id: unknown, where: string) => {
    if (!Number.isInteger(id) || (id as number) < 0) fail(`${where} has id ${show(id)}; expected an integer ≥ 0`);
    const n = id as number;
    if (tokens[n] !== undefined && tokens[n] !== token) fail(`${where} has id ${n}, already used by ${show(tokens[n])}`);
    const known = idOf.get(token);
    if (known !== undefined && known !== n) fail(`${where} has id ${n}, but model.vocab gives it id ${known}`);
    tokens[n] = token;
    idOf.set(token, n);
  };
  for (const [token, id] of Object.entries(vocab)) place(token, id, `model.vocab[${show(token)}]`);
  const addedIn = root.added_tokens ?? [];
  if (!Array.isArray(addedIn)) return fail(`added_tokens is not an array`);
  const addedTokens = addedIn.map((t: unknown, i): AddedToken => {
    const where = `added_tokens[${i}]`;
    if (!isObject(t) || typeof t.content !== "string" || t.content === "") return fail(`${where} has no "content" string`);
    for (const flag of ["single_word", "lstrip", "rstrip"]) {
      if (t[flag] === true) fail(`${where}.${flag} is true; expected false (not implemented)`);
    }
    if (t.normalized === true && normalizer) fail(`${where}.normalized is true with a normalizer; expected false (not implemented)`);
    place(t.content, t.id, where);
    return { id: t.id as number, content: t.content, special: t.special === true };
  });
  for (let id = 0; id < tokens.length; id++) {
    if (tokens[id] === undefined) fail(`no token has id ${id}; expected ids 0..${tokens.length - 1} without gaps`);
  }
  const unk = model.unk_token;
  if (typeof unk !== "string" || !idOf.has(unk)) fail(`model.unk_token ${show(unk)} is not in model.vocab`);

  const post = parsePostProcessor(root.post_processor, idOf, fail);
  const dec = root.decoder;
  let decoder: WordPieceSpec["decoder"] = null;
  if (dec != null) {
    if (!isObject(dec) || dec.type !== "WordPiece") return fail(`decoder ${show(isObject(dec) ? dec.type : dec)} is not supported; expected null or WordPiece`);
    only(dec, ["type", "prefix", "cleanup"], "decoder", fail);
    const p = dec.prefix ?? "##", cleanup = dec.cleanup ?? true;
    if (typeof p !== "string" || typeof cleanup !== "boolean") fail(`decoder is ${show(dec)}; expected {"type": "WordPiece", "prefix": string, "cleanup": boolean}`);
    decoder = { prefix: p as string, cleanup: cleanup as boolean };
  }
  return { tokens, addedTokens, normalizer, unkToken: unk as string, prefix, maxInputCharsPerWord: maxChars as number, post, decoder };
}
