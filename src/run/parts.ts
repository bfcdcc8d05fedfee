import { CheckpointError } from "../errors.js";
import { parseJsonText } from "../io/json-text.js";
import {
  type Model, type ModelConfig, buildModel, loadStateDict, modelArchitecture, parseConfig, parseSafetensors, separateTargetKey,
} from "../models/index.js";
import { Rng } from "../tensor/index.js";
import { SPECIAL_TOKENS, type TextTokenizer, Tokenizer } from "../tokenizer/index.js";
import { CONFIG_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from "./format.js";

/** A checkpoint ready to run on text. */
export interface InferenceParts {
  model: Model;
  config: ModelConfig;
  /** Encodes the input text (seq2seq source; decoder_only and encoder_only text). */
  srcTokenizer: TextTokenizer;
  /** Decodes the output: tokenizer.target.json when the target vocabulary is separate, else srcTokenizer. */
  tgtTokenizer: TextTokenizer;
  /**
   * Whether a decoder_only prompt starts with bos, as the model was trained: ours are trained on <s> text </s>;
   * a Hugging Face GPT-2 is prompted with the text's tokens alone (its tokenizer adds no bos). @default true
   */
  addBos?: boolean;
}

/**
 * A tokenizer.json tokenizer, as writing a checkpoint folder, an export or a training set needs: a Hugging Face
 * Marian folder's SentencePiece tokenizers are refused in one line naming `what` needs it.
 */
export function bpeTokenizer(tokenizer: TextTokenizer, what: string): Tokenizer {
  if (tokenizer instanceof Tokenizer) return tokenizer;
  throw new CheckpointError(`${what} needs a tokenizer.json tokenizer; this checkpoint's are SentencePiece models (a Marian folder: source.spm, target.spm, vocab.json)`);
}

/** A decoder_only prompt's ids, as the checkpoint expects them (addBos); an empty prompt is bos alone. */
export function promptIds(parts: Pick<InferenceParts, "srcTokenizer" | "config" | "addBos">, text: string): number[] {
  const ids = parts.srcTokenizer.encode(text, { addBos: parts.addBos ?? true });
  return ids.length > 0 ? ids : [parts.config.bos_id];
}

/**
 * Checks that the tokenizers fit the config (vocabulary sizes, special ids, one vocabulary unless seq2seq), with
 * one CheckpointError line naming the file. Browser-safe: Node's loadForInference and the page's worker share it.
 * `srcFile`/`tgtFile` name the tokenizers as the user knows them (a path in Node, a file name in the page);
 * `tgtFile` is undefined when there is no separate target tokenizer.
 */
export function checkTokenizers(config: ModelConfig, srcTokenizer: TextTokenizer, srcFile: string, tgtTokenizer: TextTokenizer, tgtFile: string | undefined): void {
  const separate = tgtFile !== undefined;
  const arch = modelArchitecture(config.architecture);
  const targetKey = separateTargetKey(arch);
  if (separate && targetKey === undefined) {
    throw new CheckpointError(`${tgtFile}: a ${config.architecture} checkpoint has one vocabulary; remove this file or use a seq2seq checkpoint`);
  }
  const sizes = config as unknown as Record<string, number>;
  const check = (tok: TextTokenizer, file: string, key: string, hint: string): void => {
    const size = sizes[key];
    if (tok.vocabSize !== size) {
      throw new CheckpointError(`${file}: ${tok.vocabSize} tokens, but config.json has ${key} ${size}${hint}`);
    }
    for (const [name, id, want] of [["pad", tok.padId, config.pad_id], ["bos", tok.bosId, config.bos_id], ["eos", tok.eosId, config.eos_id]] as const) {
      if (id !== want) throw new CheckpointError(`${file}: ${name} is token ${id}, but config.json has ${name}_id ${want}`);
    }
  };
  check(srcTokenizer, srcFile, arch.vocab.source, "");
  if (targetKey !== undefined) check(tgtTokenizer, tgtFile ?? srcFile, targetKey, separate ? "" : ` (a separate target vocabulary needs ${TARGET_TOKENIZER_FILE})`);
}

/**
 * A checkpoint's tokenizer from its parsed JSON. One we trained names its specials <pad>, <s>, </s>, <unk> and is
 * read by those names; one a run took over from a Hugging Face folder (train --init-from) has its own (GPT-2's
 * <|endoftext|>), whose roles are the ids config.json gives, as when that folder itself loads. Browser-safe.
 */
export function checkpointTokenizer(json: unknown, file: string, config: ModelConfig): Tokenizer {
  const added = Array.isArray((json as { added_tokens?: unknown } | null)?.added_tokens)
    ? (json as { added_tokens: unknown[] }).added_tokens.map((t) => (t as { content?: unknown } | null)?.content)
    : [];
  const ours = Object.values(SPECIAL_TOKENS).some((name) => added.includes(name));
  return Tokenizer.fromJSON(json, file, ours ? undefined : { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id });
}

/** A checkpoint folder's files as bytes and text, however they were fetched (a page's picked files, URLs). */
export interface CheckpointFiles {
  config: string;
  weights: Uint8Array;
  tokenizer: string;
  /** tokenizer.target.json, when the folder has one. */
  targetTokenizer?: string;
}

/**
 * A checkpoint ready to run from its files' contents, checked as loadForInference checks a folder (config keys,
 * weights strictly by name and shape, tokenizers against the config). Browser-safe: the page's worker uses it.
 */
export function partsFromFiles(files: CheckpointFiles): InferenceParts & { srcTokenizer: Tokenizer; tgtTokenizer: Tokenizer } {
  const config = parseConfig(parseJsonText(files.config, CONFIG_FILE, CheckpointError), CONFIG_FILE);
  const srcTokenizer = checkpointTokenizer(parseJsonText(files.tokenizer, TOKENIZER_FILE, CheckpointError), TOKENIZER_FILE, config);
  const separate = files.targetTokenizer !== undefined;
  const tgtTokenizer = separate ? checkpointTokenizer(parseJsonText(files.targetTokenizer!, TARGET_TOKENIZER_FILE, CheckpointError), TARGET_TOKENIZER_FILE, config) : srcTokenizer;
  const { tensors } = parseSafetensors(files.weights, WEIGHTS_FILE);
  const model = buildModel(config, new Rng(0));
  loadStateDict(model, tensors, WEIGHTS_FILE);
  model.eval();
  checkTokenizers(config, srcTokenizer, TOKENIZER_FILE, tgtTokenizer, separate ? TARGET_TOKENIZER_FILE : undefined);
  return { model, config, srcTokenizer, tgtTokenizer };
}
