/**
 * How a Hugging Face folder's text side loads from its files in memory, one entry per config.json model_type: the
 * tokenizer files it reads and how they become a tokenizer checked against the config. A new family is one more
 * entry of HF_TEXT_LOADERS and, where its parts differ, one more kind of FolderParts. Browser-safe.
 */
import { CheckpointError } from "../errors.js";
import { parseJsonText } from "../io/json-text.js";
import type { Model, ModelConfig } from "../models/index.js";
import { Tokenizer } from "../tokenizer/index.js";
import { MARIAN_FILES, marianTokenizers } from "../tokenizer/marian-tokenizers.js";
import { WordPieceTokenizer } from "../tokenizer/wordpiece.js";
import { TOKENIZER_FILE } from "./format.js";
import { TOKENIZER_CONFIG_FILE, maskTokenOf, promptAddsBos } from "./hf-tokenizer-config.js";
import { type InferenceParts, checkTokenizers } from "./parts.js";
import type { WordPieceParts } from "./wordpiece-folder.js";

/**
 * A loaded folder: byte-level BPE text (ours, GPT-2), a BERT encoder with its WordPiece tokenizer, or a Marian
 * translator with its SentencePiece tokenizers (source.spm, target.spm over one vocab.json).
 */
export type FolderParts =
  | { kind: "bpe"; parts: InferenceParts & { srcTokenizer: Tokenizer; tgtTokenizer: Tokenizer }; /** config.json's model_type, for a Hugging Face folder. */ huggingFace?: string }
  | { kind: "wordpiece"; parts: WordPieceParts; huggingFace: string }
  | { kind: "sentencepiece"; parts: InferenceParts; huggingFace: string };

/** A file's text by name, undefined where the folder has none. */
export type TextFiles = (name: string) => string | undefined;

/** A file's bytes by name, undefined where the folder has none. */
export type ByteFiles = (name: string) => Uint8Array | undefined;

export interface HfTextLoader {
  /** The files it reads besides config.json and the weights. */
  files: readonly string[];
  /** Reads and checks the tokenizer; the returned function puts it together with the loaded model. */
  load(files: TextFiles, config: ModelConfig, bytes: ByteFiles): (model: Model) => FolderParts;
}

function tokenizerConfig(files: TextFiles): unknown {
  const t = files(TOKENIZER_CONFIG_FILE);
  return t === undefined ? undefined : parseJsonText(t, TOKENIZER_CONFIG_FILE, CheckpointError);
}

function required(files: TextFiles, name: string, what: string): string {
  const t = files(name);
  if (t === undefined) throw new CheckpointError(`${name}: missing (${what})`);
  return t;
}

/** A BERT folder's WordPiece tokenizer.json text as a tokenizer whose vocabulary is the model's (Node's loadWordPieceFolder too). */
export function wordPieceTokenizer(text: string, file: string, config: ModelConfig): WordPieceTokenizer {
  const tokenizer = WordPieceTokenizer.fromJSON(text, file);
  const vocab = (config as { vocab_size: number }).vocab_size;
  if (tokenizer.vocabSize !== vocab) throw new CheckpointError(`${file}: ${tokenizer.vocabSize} tokens, but config.json's vocab_size is ${vocab}`);
  return tokenizer;
}

/** GPT-2: byte-level BPE whose special tokens are the ids config.json names (<|endoftext|> is bos, eos and pad). */
const byteLevelBpe: HfTextLoader = {
  files: [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE],
  load(files, config) {
    const text = required(files, TOKENIZER_FILE, "running a checkpoint on text needs its tokenizer.json");
    const tokenizer = Tokenizer.fromJSON(text, TOKENIZER_FILE, { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id });
    const addBos = promptAddsBos(tokenizerConfig(files), TOKENIZER_CONFIG_FILE, tokenizer, config);
    checkTokenizers(config, tokenizer, TOKENIZER_FILE, tokenizer, undefined);
    return (model) => ({ kind: "bpe", parts: { model, config, srcTokenizer: tokenizer, tgtTokenizer: tokenizer, addBos }, huggingFace: "gpt2" });
  },
};

/** BERT: WordPiece, and tokenizer_config.json's mask token for fill-mask. */
const wordPiece: HfTextLoader = {
  files: [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE],
  load(files, config) {
    const tokenizer = wordPieceTokenizer(required(files, TOKENIZER_FILE, "a BERT folder's WordPiece tokenizer"), TOKENIZER_FILE, config);
    const maskToken = maskTokenOf(tokenizerConfig(files), TOKENIZER_CONFIG_FILE, tokenizer, TOKENIZER_FILE);
    return (model) => ({ kind: "wordpiece", parts: { model, config, tokenizer, maskToken }, huggingFace: "bert" });
  },
};

/** Marian: a SentencePiece model per side over the shared vocab.json, checked as Node's loadForInference checks it. */
const marian: HfTextLoader = {
  files: Object.values(MARIAN_FILES),
  load(files, config, bytes) {
    const { source, target } = marianTokenizers({
      name: (file) => file,
      json: (file) => {
        const t = files(file);
        return t === undefined ? undefined : parseJsonText(t, file, CheckpointError);
      },
      bytes,
    });
    checkTokenizers(config, source, MARIAN_FILES.vocab, target, MARIAN_FILES.vocab);
    return (model) => ({ kind: "sentencepiece", parts: { model, config, srcTokenizer: source, tgtTokenizer: target }, huggingFace: "marian" });
  },
};

/** By config.json's model_type. */
export const HF_TEXT_LOADERS: Readonly<Record<string, HfTextLoader>> = {
  gpt2: byteLevelBpe,
  bert: wordPiece,
  marian,
};
