import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { modelArchitecture, separateTargetKey } from "../models/index.js";
import { loadTokenizer } from "../tokenizer/file.js";
import { TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "./format.js";
import { assertIntact } from "./intact.js";
import { loadModel } from "./load.js";
import { type InferenceParts, checkTokenizers } from "./parts.js";

/**
 * Loads a checkpoint folder for translate / generate / attention / eval: config.json, model.safetensors,
 * tokenizer.json (the source, or shared, tokenizer) and tokenizer.target.json when the target vocabulary is
 * separate. Every problem is one CheckpointError line naming the folder or file: files that do not match the
 * folder's manifest (a torn checkpoint), a missing tokenizer, a tokenizer whose vocabulary or special ids do not
 * match config.json.
 */
export function loadForInference(dir: string): InferenceParts {
  const { model, config } = loadModel(dir);
  const srcFile = path.join(dir, TOKENIZER_FILE);
  if (!fs.existsSync(srcFile)) {
    throw new CheckpointError(
      `${srcFile}: missing (running a checkpoint on text needs the tokenizer it was trained with: ${TOKENIZER_FILE}, plus ${TARGET_TOKENIZER_FILE} for a separate target vocabulary)`,
    );
  }
  assertIntact(dir, [TOKENIZER_FILE, TARGET_TOKENIZER_FILE]);
  const srcTokenizer = loadTokenizer(srcFile);
  const tgtFile = path.join(dir, TARGET_TOKENIZER_FILE);
  const separate = fs.existsSync(tgtFile);
  const tgtTokenizer = separate && separateTargetKey(modelArchitecture(config.architecture)) !== undefined ? loadTokenizer(tgtFile) : srcTokenizer;
  checkTokenizers(config, srcTokenizer, srcFile, tgtTokenizer, separate ? tgtFile : undefined);
  return { model, config, srcTokenizer, tgtTokenizer };
}
