import { CheckpointError } from "../errors.js";
import type { Model, ModelConfig } from "../models/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { TARGET_TOKENIZER_FILE } from "./format.js";

/** A checkpoint ready to run on text. */
export interface InferenceParts {
  model: Model;
  config: ModelConfig;
  /** Encodes the input text (seq2seq source; decoder_only and encoder_only text). */
  srcTokenizer: Tokenizer;
  /** Decodes the output: tokenizer.target.json when the target vocabulary is separate, else srcTokenizer. */
  tgtTokenizer: Tokenizer;
}

/**
 * Checks that the tokenizers fit the config (vocabulary sizes, special ids, one vocabulary unless seq2seq), with
 * one CheckpointError line naming the file. Browser-safe: Node's loadForInference and the page's worker share it.
 * `srcFile`/`tgtFile` name the tokenizers as the user knows them (a path in Node, a file name in the page);
 * `tgtFile` is undefined when there is no separate target tokenizer.
 */
export function checkTokenizers(config: ModelConfig, srcTokenizer: Tokenizer, srcFile: string, tgtTokenizer: Tokenizer, tgtFile: string | undefined): void {
  const separate = tgtFile !== undefined;
  if (separate && config.architecture !== "seq2seq") {
    throw new CheckpointError(`${tgtFile}: a ${config.architecture} checkpoint has one vocabulary; remove this file or use a seq2seq checkpoint`);
  }
  const check = (tok: Tokenizer, file: string, key: string, size: number): void => {
    if (tok.vocabSize !== size) {
      const hint = config.architecture === "seq2seq" && !separate && key === "tgt_vocab_size" ? ` (a separate target vocabulary needs ${TARGET_TOKENIZER_FILE})` : "";
      throw new CheckpointError(`${file}: ${tok.vocabSize} tokens, but config.json has ${key} ${size}${hint}`);
    }
    for (const [name, id, want] of [["pad", tok.padId, config.pad_id], ["bos", tok.bosId, config.bos_id], ["eos", tok.eosId, config.eos_id]] as const) {
      if (id !== want) throw new CheckpointError(`${file}: ${name} is token ${id}, but config.json has ${name}_id ${want}`);
    }
  };
  if (config.architecture === "seq2seq") {
    check(srcTokenizer, srcFile, "src_vocab_size", config.src_vocab_size);
    check(tgtTokenizer, tgtFile ?? srcFile, "tgt_vocab_size", config.tgt_vocab_size);
  } else {
    check(srcTokenizer, srcFile, "vocab_size", config.vocab_size);
  }
}
