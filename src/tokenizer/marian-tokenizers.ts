/**
 * A Helsinki-NLP/opus-mt-style folder's tokenizers (what MarianTokenizer.save_pretrained writes) from its files'
 * contents: source.spm, target.spm, vocab.json and tokenizer_config.json. Settings we do not implement are refused
 * by name. Browser-safe: marian-file.ts reads a folder on disk, the page's loader picked files.
 */
import { TokenizerError } from "../errors.js";
import { type MarianSpecials, MarianTokenizer } from "./marian.js";
import { parseSentencePiece } from "./sentencepiece-model.js";

export const MARIAN_FILES = { source: "source.spm", target: "target.spm", vocab: "vocab.json", config: "tokenizer_config.json" } as const;

/** tokenizer_config.json keys that change no id; everything else must be absent or hold MarianTokenizer's default. */
const IGNORED = new Set([
  "added_tokens_decoder", "backend", "tokenizer_class", "model_max_length", "sp_model_kwargs", "source_lang", "target_lang",
  "clean_up_tokenization_spaces", "name_or_path", "special_tokens_map_file", "extra_special_tokens", "additional_special_tokens",
  "truncation_side", "padding_side", "model_input_names", "tokenizer_file", "auto_map",
]);
const FIXED: Readonly<Record<string, unknown>> = { separate_vocabs: false, target_vocab_file: null, do_lower_case: false };

/** How a folder's files are read: by their name in MARIAN_FILES, undefined where the folder has none. */
export interface MarianFileReader {
  /** The file as the user knows it (a path in Node, a file name in the page), for error lines. */
  name(file: string): string;
  /** The parsed JSON. */
  json(file: string): unknown;
  bytes(file: string): Uint8Array | undefined;
}

/** A token setting: a string, or an added-token object's "content". */
function tokenText(v: unknown): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>).content : v;
}

export function marianTokenizers(files: MarianFileReader): { source: MarianTokenizer; target: MarianTokenizer } {
  const specials: MarianSpecials = { eos: "</s>", unk: "<unk>", pad: "<pad>" };
  const configFile = files.name(MARIAN_FILES.config);
  const raw = files.json(MARIAN_FILES.config);
  if (raw !== undefined) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new TokenizerError(`${configFile}: expected a JSON object`);
    const tc = raw as Record<string, unknown>;
    for (const [key, value] of Object.entries(tc)) {
      if (key === "eos_token" || key === "unk_token" || key === "pad_token") {
        const text = tokenText(value);
        if (typeof text !== "string") throw new TokenizerError(`${configFile}: "${key}" must be a token, found ${JSON.stringify(value)}`);
        specials[key.slice(0, -"_token".length) as keyof MarianSpecials] = text;
      } else if (key in FIXED) {
        if (value !== FIXED[key] && !(value === undefined)) throw new TokenizerError(`${configFile}: "${key}" is ${JSON.stringify(value)}; only ${JSON.stringify(FIXED[key])} is supported`);
      } else if (!IGNORED.has(key)) {
        throw new TokenizerError(`${configFile}: unknown key "${key}" (not read, so refused: it may change the ids)`);
      }
    }
  }
  const vocabFile = files.name(MARIAN_FILES.vocab);
  const vocabJson = files.json(MARIAN_FILES.vocab);
  if (vocabJson === undefined) throw new TokenizerError(`${vocabFile}: missing (a Marian folder has ${MARIAN_FILES.vocab} beside ${MARIAN_FILES.source} and ${MARIAN_FILES.target})`);
  if (typeof vocabJson !== "object" || vocabJson === null || Array.isArray(vocabJson)) throw new TokenizerError(`${vocabFile}: expected a JSON object {piece: id}`);
  const vocab = new Map(Object.entries(vocabJson as Record<string, number>));
  const side = (file: string) => {
    const spmFile = files.name(file);
    const bytes = files.bytes(file);
    if (bytes === undefined) throw new TokenizerError(`${spmFile}: missing (a Marian folder has ${MARIAN_FILES.source} and ${MARIAN_FILES.target} beside ${MARIAN_FILES.vocab})`);
    return new MarianTokenizer(parseSentencePiece(bytes, spmFile), vocab, specials, vocabFile);
  };
  return { source: side(MARIAN_FILES.source), target: side(MARIAN_FILES.target) };
}
