/**
 * Reading and writing Hugging Face's tokenizer.json for a byte-level BPE, so that `tokenizers` (Rust) and
 * `@huggingface/tokenizers` (JS) load our files and encode to the same ids. Reading validates strictly: a
 * component we do not implement (another model, pre-tokenizer, post-processor...) is refused with a
 * TokenizerError rather than silently encoded differently from Hugging Face.
 */
import { TokenizerError } from "../errors.js";
import { CHAR_TO_BYTE, BYTE_TO_CHAR } from "./byte-level.js";
import { MAX_VOCAB_SIZE } from "./merge-table.js";
import { isWordPieceJson } from "./wordpiece-json.js";

/** An added token: matched verbatim in raw text before pre-tokenization; special ones are skipped in decode. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

/** Everything that defines a byte-level BPE tokenizer; what tokenizer.json holds, in id form. */
export interface TokenizerSpec {
  /** Token strings by id, ids 0..n-1 without gaps (model vocab and added tokens together). */
  tokens: string[];
  /** Merges in rank order, as (left id, right id). */
  merges: Array<readonly [number, number]>;
  addedTokens: AddedToken[];
  /** Unicode normalization applied to text between added tokens, before pre-tokenization. */
  normalizer: "none" | "NFC";
}

/** The JSON we write (Hugging Face's tokenizer.json layout, version 1.0). */
export interface HfTokenizerJson {
  version: "1.0";
  truncation: null;
  padding: null;
  added_tokens: Array<{
    id: number;
    content: string;
    single_word: false;
    lstrip: false;
    rstrip: false;
    normalized: false;
    special: boolean;
  }>;
  normalizer: null | { type: "NFC" };
  pre_tokenizer: { type: "ByteLevel"; add_prefix_space: false; trim_offsets: true; use_regex: true };
  post_processor: null;
  decoder: { type: "ByteLevel"; add_prefix_space: false; trim_offsets: true; use_regex: true };
  model: {
    type: "BPE";
    dropout: null;
    unk_token: string | null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: false;
    byte_fallback: false;
    ignore_merges: false;
    vocab: Record<string, number>;
    merges: Array<[string, string]>;
  };
}

export function toHfJson(spec: TokenizerSpec): HfTokenizerJson {
  // A null-prototype object, so that a token spelled "__proto__" is an ordinary key.
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  spec.tokens.forEach((t, id) => (vocab[t] = id));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true } as const;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: spec.addedTokens.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    })),
    normalizer: spec.normalizer === "NFC" ? { type: "NFC" } : null,
    pre_tokenizer: byteLevel,
    // No post-processor: bos/eos are added by encode's options, so Hugging Face's default encode (with
    // add_special_tokens) gives the same ids as our default encode.
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: spec.tokens.includes("<unk>") ? "<unk>" : null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: spec.merges.map(([a, b]) => [spec.tokens[a]!, spec.tokens[b]!]),
    },
  };
}

/**
 * tokenizer.json text with one vocab entry and one merge per line: diffable, and far shorter than
 * JSON.stringify(x, null, 2), which spreads every merge over four lines.
 */
export function stringifyHfJson(json: HfTokenizerJson): string {
  const { model, ...rest } = json;
  const { vocab, merges, ...modelRest } = model;
  const lines = ["{"];
  for (const [key, value] of Object.entries(rest)) lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  lines.push(`  "model": {`);
  for (const [key, value] of Object.entries(modelRest)) lines.push(`    ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  const vocabLines = Object.entries(vocab).map(([t, id]) => `      ${JSON.stringify(t)}: ${id}`);
  lines.push(`    "vocab": {`, vocabLines.join(",\n"), `    },`);
  const mergeLines = merges.map((m) => `      ${JSON.stringify(m)}`);
  lines.push(`    "merges": [`, mergeLines.join(",\n"), `    ]`, `  }`, `}`, "");
  return lines.join("\n");
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** A value as it would appear in the file (strings quoted), for messages. */
const show = (v: unknown): string => String(JSON.stringify(v));

/** Parse and validate a tokenizer.json (its text, or the parsed object). `source` names it in errors. */
export function specFromHfJson(input: unknown, source = "tokenizer.json"): TokenizerSpec {
  const fail = (what: string): never => {
    throw new TokenizerError(`${source}: ${what}`);
  };
  let root: unknown = input;
  if (typeof input === "string") {
    try {
      root = JSON.parse(input);
    } catch (e) {
      const message = (e as Error).message.split("\n")[0]!;
      const at = /position (\d+)/.exec(message);
      const where = at ? lineColumn(input, Number(at[1])) : "";
      throw new TokenizerError(`${source}${where}: not valid JSON (${message}); expected a Hugging Face tokenizer.json`);
    }
  }
  if (!isObject(root)) return fail("expected a JSON object (a Hugging Face tokenizer.json) at the top level");
  if (isWordPieceJson(root)) fail(`model.type is "WordPiece"; only "BPE" is read here (a WordPiece tokenizer.json, BERT's, loads with its BERT folder: WordPieceTokenizer)`);

  // --- components we do not implement are refused, not ignored ---
  for (const key of ["truncation", "padding"]) {
    if (root[key] != null) fail(`"${key}" is set; expected null (truncation and padding are done by our data code)`);
  }
  const normalizer = root["normalizer"];
  let normalization: TokenizerSpec["normalizer"] = "none";
  if (normalizer != null) {
    if (isObject(normalizer) && normalizer["type"] === "NFC") normalization = "NFC";
    else fail(`normalizer ${show(isObject(normalizer) ? normalizer["type"] : normalizer)} is not supported; expected null or {"type": "NFC"}`);
  }
  const pre = root["pre_tokenizer"];
  if (!isObject(pre) || pre["type"] !== "ByteLevel") {
    fail(`pre_tokenizer is ${show(isObject(pre) ? pre["type"] : pre)}; expected {"type": "ByteLevel"} (only byte-level BPE is implemented)`);
  } else {
    if (pre["add_prefix_space"] !== false) fail(`pre_tokenizer.add_prefix_space is ${show(pre["add_prefix_space"])}; expected false`);
    if (pre["use_regex"] === false) fail(`pre_tokenizer.use_regex is false; expected true (the GPT-2 split)`);
  }
  const post = root["post_processor"];
  if (isObject(post) && post["type"] === "TemplateProcessing") {
    checkEmptyTemplate(post, fail);
  } else if (post != null && !(isObject(post) && post["type"] === "ByteLevel")) {
    fail(`post_processor ${show(isObject(post) ? post["type"] : post)} is not supported; expected null, ByteLevel or a TemplateProcessing that adds no token (bos/eos come from encode options)`);
  }
  const dec = root["decoder"];
  if (!isObject(dec) || dec["type"] !== "ByteLevel") {
    fail(`decoder is ${show(isObject(dec) ? dec["type"] : dec)}; expected {"type": "ByteLevel"}`);
  }

  // --- the model ---
  const model = root["model"];
  if (model === undefined) return fail(`missing key "model"; expected a BPE model with "vocab" and "merges"`);
  if (!isObject(model)) return fail(`"model" is not an object; expected a BPE model with "vocab" and "merges"`);
  // Files written before tokenizers tagged its models (GPT-2's on the Hub) have no model.type: the library reads a
  // model with vocab and merges as BPE, so do we.
  const untaggedBpe = !("type" in model) && "vocab" in model && "merges" in model;
  if (model["type"] !== "BPE" && !untaggedBpe) fail(`model.type is ${show(model["type"])}; only "BPE" is supported`);
  for (const key of ["dropout", "continuing_subword_prefix", "end_of_word_suffix"]) {
    const v = model[key];
    if (v != null && v !== "" && v !== 0) fail(`model.${key} is ${show(v)}; expected null`);
  }
  if (model["ignore_merges"] === true) fail(`model.ignore_merges is true; expected false`);
  const vocab = model["vocab"];
  if (!isObject(vocab)) return fail(`model.vocab is missing or not an object; expected {token: id}`);
  const mergesIn = model["merges"];
  if (!Array.isArray(mergesIn)) return fail(`model.merges is missing or not an array; expected [[left, right], ...]`);

  // --- ids: model vocab and added tokens together must number 0..n-1 ---
  const tokens: string[] = [];
  const idOf = new Map<string, number>();
  const place = (token: string, id: unknown, where: string) => {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= MAX_VOCAB_SIZE) {
      fail(`${where} has id ${show(id)}; expected an integer in 0..${MAX_VOCAB_SIZE - 1}`);
    }
    const n = id as number;
    if (tokens[n] !== undefined && tokens[n] !== token) fail(`${where} has id ${n}, already used by ${show(tokens[n])}`);
    const known = idOf.get(token);
    if (known !== undefined && known !== n) fail(`${where} has id ${n}, but model.vocab gives it id ${known}`);
    tokens[n] = token;
    idOf.set(token, n);
  };
  for (const [token, id] of Object.entries(vocab)) place(token, id, `model.vocab[${show(token)}]`);
  const addedIn = root["added_tokens"] ?? [];
  if (!Array.isArray(addedIn)) return fail(`added_tokens is not an array`);
  const addedTokens: AddedToken[] = addedIn.map((t: unknown, i) => {
    const where = `added_tokens[${i}]`;
    if (!isObject(t) || typeof t["content"] !== "string" || t["content"] === "") {
      return fail(`${where} has no "content" string`);
    }
    for (const flag of ["single_word", "lstrip", "rstrip"]) {
      if (t[flag] === true) fail(`${where}.${flag} is true; expected false (not implemented)`);
    }
    if (t["normalized"] === true && normalization !== "none") {
      fail(`${where}.normalized is true with a normalizer; expected false (not implemented)`);
    }
    place(t["content"], t["id"], where);
    return { id: t["id"] as number, content: t["content"], special: t["special"] === true };
  });
  // --- byte-level: every byte has its symbol, and every model token is spelled in that alphabet ---
  BYTE_TO_CHAR.forEach((ch, b) => {
    if (!idOf.has(ch)) fail(`model.vocab lacks ${show(ch)} (byte 0x${b.toString(16).padStart(2, "0")}); a byte-level BPE needs all 256`);
  });
  for (let id = 0; id < tokens.length; id++) {
    if (tokens[id] === undefined) fail(`no token has id ${id}; expected ids 0..${tokens.length - 1} without gaps`);
  }
  const added = new Set(addedTokens.map((t) => t.content));
  for (const token of tokens) {
    if (added.has(token)) continue;
    for (const ch of token) {
      if (!CHAR_TO_BYTE.has(ch)) fail(`model.vocab token ${show(token)} has ${show(ch)}, which is not a byte-level symbol`);
    }
  }

  // --- merges: "a b" strings (older files) or [a, b] pairs; both halves and their concatenation in vocab ---
  const merges = mergesIn.map((m: unknown, i): readonly [number, number] => {
    const where = `model.merges[${i}]`;
    const parts = typeof m === "string" ? m.split(" ") : m;
    if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== "string" || typeof parts[1] !== "string") {
      return fail(`${where} is ${show(m)}; expected [left, right] or "left right"`);
    }
    const [left, right] = parts as [string, string];
    const a = idOf.get(left);
    const b = idOf.get(right);
    if (a === undefined) return fail(`${where}: ${show(left)} is not in model.vocab`);
    if (b === undefined) return fail(`${where}: ${show(right)} is not in model.vocab`);
    if (!idOf.has(left + right)) fail(`${where}: the merged token ${show(left + right)} is not in model.vocab`);
    return [a, b];
  });

  return { tokens, merges, addedTokens, normalizer: normalization };
}

/**
 * A TemplateProcessing post-processor is accepted when it adds no token: single "$A", pair "$A $B" (what
 * transformers 5 writes for GPT-2), so that encoding with or without it gives the same ids. One that adds
 * special tokens (BERT's [CLS] $A [SEP], Llama's <s> $A) is refused: bos/eos come from encode's options here.
 */
function checkEmptyTemplate(post: Json, fail: (what: string) => never): void {
  const sequence = (item: unknown, id: string): boolean => {
    if (!isObject(item) || !isObject(item["Sequence"]) || Object.keys(item).length !== 1) return false;
    return item["Sequence"]["id"] === id;
  };
  for (const [key, ids] of [["single", ["A"]], ["pair", ["A", "B"]]] as const) {
    const template = post[key];
    if (!Array.isArray(template) || template.length !== ids.length || !template.every((item, i) => sequence(item, ids[i]!))) {
      const added = (Array.isArray(template) ? template : []).flatMap((item) => (isObject(item) && isObject(item["SpecialToken"]) ? [show(item["SpecialToken"]["id"])] : []));
      const what = added.length > 0 ? `adds ${added.join(", ")}` : `is ${show(template)}`;
      fail(`post_processor TemplateProcessing.${key} ${what}; only a template that adds no token is supported (${ids.map((i) => "$" + i).join(" ")}; bos/eos come from encode options)`);
    }
  }
  const specials = post["special_tokens"];
  if (specials != null && !(isObject(specials) && Object.keys(specials).length === 0)) {
    fail(`post_processor TemplateProcessing.special_tokens is not empty; only a template that adds no token is supported`);
  }
}

function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position).split("\n");
  return `:${before.length}:${before[before.length - 1]!.length + 1}`;
}
