import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import type { SafetensorsDtype } from "../models/safetensors.js";
import { writeModelFiles } from "./checkpoint.js";
import { tempDirName } from "./format.js";
import type { InferenceParts } from "./parts.js";

/** Refuses a `dir` that exists and is not an empty folder: a new checkpoint folder never replaces what is there. */
export function checkNewFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new CheckpointError(`${dir}: exists and is not a folder`);
  const held = fs.readdirSync(dir);
  if (held.length > 0) throw new CheckpointError(`${dir}: holds ${held[0]}; write the checkpoint to a new or empty folder`);
}

/**
 * Writes a checkpoint folder for inference (writeModelFiles) as a whole: built beside `dir` under a temporary name
 * and renamed into place, so that `dir` either does not exist or holds all of it. `dir` must be new or empty
 * (checkNewFolder; callers check it before long work too).
 */
export function writeModelFolder(dir: string, parts: InferenceParts, metadata: Record<string, string> = {}, dtype: SafetensorsDtype = "F32"): void {
  checkNewFolder(dir);
  const tmp = path.join(path.dirname(dir), tempDirName(path.basename(dir), "tmp", process.pid));
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp);
    writeModelFiles(tmp, parts, metadata, dtype);
    if (fs.existsSync(dir)) fs.rmdirSync(dir); // empty, checked above
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
