import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { saveCheckpoint } from "../models/checkpoint.js";
import type { SafetensorsDtype } from "../models/safetensors.js";
import { saveTokenizer } from "../tokenizer/file.js";
import { TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "./format.js";
import type { InferenceParts } from "./parts.js";

/**
 * Writes a checkpoint folder for inference (config.json, model.safetensors, tokenizer.json and, for a separate
 * target vocabulary, tokenizer.target.json) as a whole: built beside `dir` under a temporary name and renamed into
 * place, so that `dir` either does not exist or holds all of it. `dir` must not exist yet or be empty: this never
 * replaces what is there.
 */
export function writeModelFolder(dir: string, parts: InferenceParts, metadata: Record<string, string> = {}, dtype: SafetensorsDtype = "F32"): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new CheckpointError(`${dir}: exists and is not a folder`);
    const held = fs.readdirSync(dir);
    if (held.length > 0) throw new CheckpointError(`${dir}: holds ${held[0]}; write the checkpoint to a new or empty folder`);
  }
  const tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp);
    saveCheckpoint(tmp, parts.model, metadata, dtype);
    saveTokenizer(parts.srcTokenizer, path.join(tmp, TOKENIZER_FILE));
    if (parts.tgtTokenizer !== parts.srcTokenizer) saveTokenizer(parts.tgtTokenizer, path.join(tmp, TARGET_TOKENIZER_FILE));
    if (fs.existsSync(dir)) fs.rmdirSync(dir); // empty, checked above
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
