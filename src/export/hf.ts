/**
 * Exports a model as a Hugging Face transformers folder (export --format hf): config.json and model.safetensors in
 * transformers' names and layouts, generation_config.json, tokenizer.json and tokenizer_config.json, so that
 * from_pretrained (AutoModelForCausalLM, AutoTokenizer) loads it, and so does our own loader. The mapping is the
 * inverse of the import's, found where the import's is: the `write` of a format its architecture module lists
 * (src/models/architectures/): GPT-2 for decoder_only, BERT for encoder_only, Marian for seq2seq. BERT's and Marian's
 * tokenizers are the files of the folder the run started from, copied byte for byte.
 */
import * as path from "node:path";
import { ExportError } from "../errors.js";
import { fsCall } from "../io/fs-error.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { makeFolder } from "../io/make-folder.js";
import { type Model, type ModelConfig, type NamedTensor, modelArchitecture, stateDict } from "../models/index.js";
import type { HuggingFaceWriter } from "../models/architectures/spec.js";
import { writeSafetensors } from "../models/safetensors-file.js";
import { CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from "../run/format.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { saveTokenizer } from "../tokenizer/file.js";
import { GENERATION_CONFIG_FILE, TOKENIZER_CONFIG_FILE } from "./export.js";

export { TOKENIZER_CONFIG_FILE };

/** The config.json keys generation_config.json repeats (save_pretrained's _from_model_config copy), where the config has them. */
const GENERATION_KEYS = ["bos_token_id", "decoder_start_token_id", "eos_token_id", "forced_eos_token_id", "pad_token_id"];

export interface HuggingFaceExportOptions {
  /** The model's tokenizer, written as tokenizer.json with its tokenizer_config.json. */
  tokenizer?: Tokenizer;
  /** A separate target tokenizer (seq2seq): refused until a format writes one. */
  targetTokenizer?: Tokenizer;
  /**
   * Tokenizer files copied as they are, in place of a tokenizer.json we write: a Marian folder's source.spm,
   * target.spm, vocab.json and tokenizer_config.json, a BERT folder's tokenizer.json and tokenizer_config.json
   * (src/run/kept-tokenizer.ts reads them from a checkpoint).
   */
  keptFiles?: ReadonlyMap<string, Uint8Array>;
  /**
   * Whether a prompt starts with bos (tokenizer_config.json's add_bos_token): true for a model our trainer trained
   * (its data is <s> text </s>), false for a GPT-2 loaded as it is (loadForInference's addBos). @default true
   */
  addBos?: boolean;
}

/** The model_type and writer a model exports as: the first format of its architecture that is written. */
export function huggingFaceWriter(config: ModelConfig): { modelType: string; writer: HuggingFaceWriter<ModelConfig> } {
  const formats = Object.entries(modelArchitecture(config.architecture).huggingFace ?? {});
  const found = formats.find(([, f]) => f.write !== undefined);
  if (!found) throw new ExportError(`export --format hf: architecture ${config.architecture} has no Hugging Face format that is written (decoder_only as gpt2, encoder_only as bert, seq2seq as marian)`);
  return { modelType: found[0], writer: found[1].write! };
}

/** tokenizer_config.json: the special tokens by content, as transformers' tokenizers name them. */
function tokenizerConfig(tokenizer: Tokenizer, hf: Readonly<Record<string, unknown>>, writer: HuggingFaceWriter<ModelConfig>, c: ModelConfig, addBos: boolean): Record<string, unknown> {
  const token = (id: unknown): string | null => (typeof id === "number" ? tokenizer.idToToken(id) ?? null : null);
  return {
    add_bos_token: addBos,
    add_eos_token: false,
    add_prefix_space: false,
    bos_token: token(hf.bos_token_id),
    eos_token: token(hf.eos_token_id),
    model_max_length: c.max_len,
    pad_token: token(hf.pad_token_id),
    tokenizer_class: writer.tokenizerClass,
    unk_token: tokenizer.unkId !== null ? token(tokenizer.unkId) : token(hf.eos_token_id), // GPT-2's unk is its eos
  };
}

/**
 * Writes the export into `dir` (created when missing); returns the paths written, in order. A config key or value
 * the format does not compute as we do is one ExportError line naming it, before anything is written.
 */
export function exportHuggingFace(model: Model, dir: string, opts: HuggingFaceExportOptions = {}): string[] {
  const c = model.config;
  const { modelType, writer } = huggingFaceWriter(c);
  const config = writer.config(c, (message) => {
    throw new ExportError(`export --format hf (model_type ${modelType}): ${message}`);
  });
  if (opts.tokenizer && !opts.keptFiles && modelType !== "gpt2") {
    throw new ExportError(`export --format hf (model_type ${modelType}): a byte-level BPE tokenizer.json is not written as ${writer.tokenizerClass}'s; export a checkpoint that holds the ${modelType} folder's own tokenizer files (train --init-from keeps them)`);
  }
  if (opts.targetTokenizer && opts.targetTokenizer !== opts.tokenizer) {
    throw new ExportError(`export --format hf (model_type ${modelType}): a separate target tokenizer is not written`);
  }
  const tensors: Map<string, NamedTensor> = writer.tensors(stateDict(model), c);
  makeFolder(dir);
  const written: string[] = [];
  const json = (name: string, value: unknown): void => {
    const file = path.join(dir, name);
    fsCall(file, "write", () => writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n"));
    written.push(file);
  };
  json(CONFIG_FILE, config);
  if (modelArchitecture(c.architecture).decoding) {
    // the ids generate() starts from; a key transformers' config leaves null is left out (a classifier has no such file)
    const generation: Record<string, unknown> = { _from_model_config: true };
    for (const key of GENERATION_KEYS) if (config[key] != null) generation[key] = config[key];
    json(GENERATION_CONFIG_FILE, generation);
  }
  const weights = path.join(dir, WEIGHTS_FILE);
  writeSafetensors(weights, tensors, { format: "pt" });
  written.push(weights);
  if (opts.keptFiles) {
    for (const [name, bytes] of opts.keptFiles) {
      const file = path.join(dir, name);
      fsCall(file, "write", () => writeFileAtomic(file, bytes));
      written.push(file);
    }
  } else if (opts.tokenizer) {
    const file = path.join(dir, TOKENIZER_FILE);
    saveTokenizer(opts.tokenizer, file);
    written.push(file);
    json(TOKENIZER_CONFIG_FILE, tokenizerConfig(opts.tokenizer, config, writer, c, opts.addBos ?? true));
  }
  return written;
}
