/**
 * train --init-from DIR: a new run whose model and tokenizer are a Hugging Face folder's (as loadForInference reads
 * it: GPT-2 as decoder_only, Marian as seq2seq, a BertForSequenceClassification as encoder_only), trained by our
 * trainer from there: on text, on sentence pairs, on labelled text. The folder fixes what a new run otherwise takes
 * from its options (architecture, size, vocabulary, max_len, tied embeddings); an option typed that says otherwise
 * is refused in one line, and the run records the folder's values, so that a resume keeps them. A Marian or BERT
 * tokenizer is kept as its files (kept-tokenizer.ts): the run's checkpoints hold them in place of tokenizer.json.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError, OptionError } from "../errors.js";
import { type Architecture, type ModelConfig, buildModel, isHuggingFaceConfig, loadStateDict, stateDict } from "../models/index.js";
import { readJsonFile } from "../io/read-json.js";
import { Rng } from "../tensor/index.js";
import type { RunParts } from "./checkpoint.js";
import { CONFIG_FILE } from "./format.js";
import { loadForInference } from "./inference.js";
import { keptKind, readKeptFiles } from "./kept-tokenizer.js";
import { type InferenceParts, bpeTokenizer } from "./parts.js";
import type { GivenOptions } from "./options.js";

/** The architectures whose runs can start from a Hugging Face folder: those whose data and loss fit its model so far. */
const STARTS_FROM_HUGGING_FACE: readonly Architecture[] = ["decoder_only", "seq2seq", "encoder_only"];

/** A new run's start from a folder: the options completed by what the folder fixes, and the model and tokenizer. */
export interface InitialParts {
  given: GivenOptions;
  parts: RunParts;
}

/** Refuses --init-from beside --resume: a resumed run has its weights already. */
export function checkInitFrom(given: GivenOptions): void {
  if (given.initFrom !== undefined && given.resume !== undefined) {
    throw new OptionError("initFrom", (n) => `${n("initFrom")} starts a new run from a Hugging Face folder; --resume continues a run, which has its weights (drop one of them)`);
  }
}

/** Loads `given.initFrom` and fills the options it fixes; see the module comment. */
export function initialParts(given: GivenOptions & { initFrom: string }): InitialParts {
  const dir = given.initFrom;
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) throw new OptionError("initFrom", `${dir}: no ${CONFIG_FILE}; expected a Hugging Face model folder`);
  if (!isHuggingFaceConfig(readJsonFile(file, CheckpointError))) {
    throw new OptionError("initFrom", `${dir}: ${CONFIG_FILE} is ours, not a Hugging Face one (no model_type); continue one of our runs with --resume`);
  }
  const loaded = loadForInference(dir);
  let config: ModelConfig = loaded.config;
  if (!STARTS_FROM_HUGGING_FACE.includes(config.architecture)) {
    throw new OptionError("initFrom", `${dir}: loads as ${config.architecture}; runs start from a Hugging Face folder for ${STARTS_FROM_HUGGING_FACE.join(", ")} only so far`);
  }
  const head = (config as { head?: string }).head;
  if (config.architecture === "encoder_only" && head !== "classifier") {
    throw new OptionError("initFrom", `${dir}: a BERT with head "${head}"; runs train a classifier (BertForSequenceClassification) only so far`);
  }
  const fixed: Partial<GivenOptions> = {
    arch: config.architecture,
    vocabSize: loaded.srcTokenizer.vocabSize,
    maxLen: config.max_len,
    ...(config.architecture !== "encoder_only" ? { tieEmbeddings: config.tie_word_embeddings } : {}),
  };
  const from: Record<string, string> = {
    arch: `loads as ${config.architecture}`, vocabSize: `its tokenizer has ${fixed.vocabSize} tokens`,
    maxLen: `its max_len is ${config.max_len}`, tieEmbeddings: `its tie_word_embeddings is ${config.tie_word_embeddings}`,
  };
  if (given.preset !== undefined) {
    throw new OptionError("preset", (n) => `${n("preset")} sets a model size, but ${n("initFrom")} ${dir} gives the size (its ${CONFIG_FILE}); drop ${n("preset")}`);
  }
  for (const [key, value] of Object.entries(fixed) as [keyof GivenOptions, unknown][]) {
    if (given[key] !== undefined && given[key] !== value) {
      throw new OptionError(key, (n) => `${n(key)} ${JSON.stringify(given[key])} contradicts ${n("initFrom")} ${dir}: ${from[key]}; drop ${n(key)}`);
    }
  }
  // the dropout rate is training's to choose: the folder's unless given
  let model = loaded.model;
  if (given.dropout !== undefined && given.dropout !== config.dropout) {
    config = { ...config, dropout: given.dropout };
    model = buildModel(config, new Rng(0));
    loadStateDict(model, stateDict(loaded.model), dir);
  }
  return {
    given: { ...given, ...fixed, dropout: config.dropout },
    parts: { model, ...tokenizers(dir, loaded), separateTarget: false },
  };
}

/** The run's tokenizers: GPT-2's tokenizer.json as our Tokenizer (saved as tokenizer.json), or the folder's kept files. */
function tokenizers(dir: string, loaded: InferenceParts): Pick<RunParts, "srcTokenizer" | "tgtTokenizer" | "keptFiles"> {
  const kind = keptKind(dir);
  if (kind !== null) return { srcTokenizer: loaded.srcTokenizer, tgtTokenizer: loaded.tgtTokenizer, keptFiles: readKeptFiles(dir, kind) };
  const tokenizer = bpeTokenizer(loaded.srcTokenizer, "train --init-from");
  return { srcTokenizer: tokenizer, tgtTokenizer: tokenizer };
}
