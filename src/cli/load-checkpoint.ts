import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import type { Model, ModelConfig } from "../models/index.js";
import { loadCheckpoint } from "../models/checkpoint.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { loadTokenizer } from "../tokenizer/file.js";
import { TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "../train/trainer.js";

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
 * Loads a checkpoint folder for translate / generate / attention: config.json, model.safetensors, tokenizer.json
 * (the source, or shared, tokenizer) and tokenizer.target.json when the target vocabulary is separate. Every
 * problem is one CheckpointError line naming the folder or file: a missing tokenizer, a tokenizer whose
 * vocabulary or special ids do not match config.json.
 */
export function loadForInference(dir: string): InferenceParts {
  const { model, config } = loadCheckpoint(dir);
  const srcFile = path.join(dir, TOKENIZER_FILE);
  if (!fs.existsSync(srcFile)) {
    throw new CheckpointError(
      `${srcFile}: missing (running a checkpoint on text needs the tokenizer it was trained with: ${TOKENIZER_FILE}, plus ${TARGET_TOKENIZER_FILE} for a separate target vocabulary)`,
    );
  }
  const srcTokenizer = loadTokenizer(srcFile);
  const tgtFile = path.join(dir, TARGET_TOKENIZER_FILE);
  const separate = fs.existsSync(tgtFile);
  if (separate && config.architecture !== "seq2seq") {
    throw new CheckpointError(`${tgtFile}: a ${config.architecture} checkpoint has one vocabulary; remove this file or use a seq2seq checkpoint`);
  }
  const tgtTokenizer = separate ? loadTokenizer(tgtFile) : srcTokenizer;
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
    check(tgtTokenizer, separate ? tgtFile : srcFile, "tgt_vocab_size", config.tgt_vocab_size);
  } else {
    check(srcTokenizer, srcFile, "vocab_size", config.vocab_size);
  }
  return { model, config, srcTokenizer, tgtTokenizer };
}
