import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { readJsonFile } from "../io/read-json.js";
import { type ModelConfig, modelArchitecture, separateTargetKey } from "../models/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { loadTokenizer } from "../tokenizer/file.js";
import { MARIAN_FILES, hasMarianTokenizer, loadMarianTokenizers } from "../tokenizer/marian-file.js";
import { loadCheckpointTokenizer } from "./checkpoint-tokenizer.js";
import { TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "./format.js";
import { TOKENIZER_CONFIG_FILE, promptAddsBos } from "./hf-tokenizer-config.js";
import { assertIntact } from "./intact.js";
import { KEPT_FILES, keptKind, loadKeptTokenizers } from "./kept-tokenizer.js";
import { loadModel } from "./load.js";
import { type InferenceParts, checkTokenizers } from "./parts.js";

/**
 * Loads a checkpoint folder for translate / generate / attention / eval: config.json, model.safetensors,
 * tokenizer.json (the source, or shared, tokenizer) and tokenizer.target.json when the target vocabulary is
 * separate. A Hugging Face folder (config.json with a model_type; tokenizer.json, and tokenizer_config.json where
 * it has one; or a Marian folder's source.spm, target.spm and vocab.json) loads too, as the architecture its model_type maps to. Every problem is one CheckpointError line naming the folder or file: files that do not match the
 * folder's manifest (a torn checkpoint), a missing tokenizer, a tokenizer whose vocabulary or special ids do not
 * match config.json.
 */
export function loadForInference(dir: string): InferenceParts {
  const { model, config, huggingFace } = loadModel(dir);
  const srcFile = path.join(dir, TOKENIZER_FILE);
  if (huggingFace && !fs.existsSync(srcFile) && hasMarianTokenizer(dir)) {
    // a Helsinki-NLP/opus-mt folder: SentencePiece models per side over one vocab.json, no tokenizer.json
    const { source, target } = loadMarianTokenizers(dir);
    checkTokenizers(config, source, path.join(dir, MARIAN_FILES.vocab), target, path.join(dir, MARIAN_FILES.vocab));
    return { model, config, srcTokenizer: source, tgtTokenizer: target };
  }
  const kept = keptKind(dir);
  if (kept !== null) {
    // a run started from a Marian or BERT folder (train --init-from) keeps its tokenizer files; so does a BERT folder
    if (!huggingFace) assertIntact(dir, KEPT_FILES[kept]);
    const { srcTokenizer, tgtTokenizer } = loadKeptTokenizers(dir, kept, config);
    if (kept === "marian") checkTokenizers(config, srcTokenizer, path.join(dir, MARIAN_FILES.vocab), tgtTokenizer, path.join(dir, MARIAN_FILES.vocab));
    return { model, config, srcTokenizer, tgtTokenizer };
  }
  if (!fs.existsSync(srcFile)) {
    throw new CheckpointError(
      `${srcFile}: missing (running a checkpoint on text needs the tokenizer it was trained with: ${TOKENIZER_FILE}, plus ${TARGET_TOKENIZER_FILE} for a separate target vocabulary)`,
    );
  }
  if (huggingFace) {
    // its config names the special tokens by id (GPT-2: <|endoftext|> is bos, eos and pad), not our four names
    const srcTokenizer = loadTokenizer(srcFile, { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id });
    const addBos = readTokenizerConfig(dir, srcTokenizer, config);
    checkTokenizers(config, srcTokenizer, srcFile, srcTokenizer, undefined);
    return { model, config, srcTokenizer, tgtTokenizer: srcTokenizer, addBos };
  }
  assertIntact(dir, [TOKENIZER_FILE, TARGET_TOKENIZER_FILE]);
  const srcTokenizer = loadCheckpointTokenizer(srcFile, config);
  const tgtFile = path.join(dir, TARGET_TOKENIZER_FILE);
  const separate = fs.existsSync(tgtFile);
  const tgtTokenizer = separate && separateTargetKey(modelArchitecture(config.architecture)) !== undefined ? loadCheckpointTokenizer(tgtFile, config) : srcTokenizer;
  checkTokenizers(config, srcTokenizer, srcFile, tgtTokenizer, separate ? tgtFile : undefined);
  return { model, config, srcTokenizer, tgtTokenizer };
}

/** Reads DIR's tokenizer_config.json, where it has one, for promptAddsBos (hf-tokenizer-config.ts). */
function readTokenizerConfig(dir: string, tokenizer: Tokenizer, config: ModelConfig): boolean {
  const file = path.join(dir, TOKENIZER_CONFIG_FILE);
  return promptAddsBos(fs.existsSync(file) ? readJsonFile(file, CheckpointError) : undefined, file, tokenizer, config);
}
