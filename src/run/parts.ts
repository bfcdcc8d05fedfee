import { CheckpointError } from "../errors.js";
import { type Model, type ModelConfig, modelArchitecture, separateTargetKey } from "../models/index.js";
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
  const arch = modelArchitecture(config.architecture);
  const targetKey = separateTargetKey(arch);
  if (separate && targetKey === undefined) {
    throw new CheckpointError(`${tgtFile}: a ${config.architecture} checkpoint has one vocabulary; remove this file or use a seq2seq checkpoint`);
  }
  const sizes = config as unknown as Record<string, number>;
  const check = (tok: Tokenizer, file: string, key: string, hint: string): void => {
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
