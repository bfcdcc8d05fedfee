import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { readConfig } from "../models/checkpoint.js";
import type { ModelConfig } from "../models/index.js";
import { TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "./format.js";
import { loadForInference } from "./inference.js";
import type { InferenceParts } from "./parts.js";

/** The first key whose value differs between two configs, or null when they are the same model. */
function firstDifference(a: ModelConfig, b: ModelConfig): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (JSON.stringify((a as unknown as Record<string, unknown>)[k]) !== JSON.stringify((b as unknown as Record<string, unknown>)[k])) return k;
  }
  return null;
}

function tokenizerBytes(dir: string, file: string): Buffer | null {
  const p = path.join(dir, file);
  return fs.existsSync(p) ? fs.readFileSync(p) : null;
}

/**
 * "A single model obtained by averaging the last 5 checkpoints" (paper §6.1): the element-wise mean of every
 * weight over `dirs`, which must be checkpoints of one model config with the same tokenizer(s) — anything else is
 * refused in one line naming the folder and the first differing key. Sums are kept in float64, so the mean does not
 * depend on the order of the folders beyond float32 rounding of the result. Returns the first checkpoint's parts
 * with its weights replaced by the mean (dropout and the rest of the config are the checkpoints' own).
 */
export function averageCheckpoints(dirs: readonly string[]): InferenceParts {
  if (dirs.length === 0) throw new CheckpointError("no checkpoints to average");
  const first = loadForInference(dirs[0]);
  const params = first.model.namedParameters();
  const sums = params.map(([, p]) => Float64Array.from(p.data));
  for (const dir of dirs.slice(1)) {
    const config = readConfig(dir);
    const key = firstDifference(first.config, config);
    if (key !== null) {
      const show = (c: ModelConfig) => JSON.stringify((c as unknown as Record<string, unknown>)[key]);
      throw new CheckpointError(`${dir}: config.json differs from ${dirs[0]}'s at "${key}" (${show(config)} against ${show(first.config)}); only checkpoints of one model can be averaged`);
    }
    for (const file of [TOKENIZER_FILE, TARGET_TOKENIZER_FILE]) {
      const a = tokenizerBytes(dirs[0], file);
      const b = tokenizerBytes(dir, file);
      if ((a === null) !== (b === null) || (a && b && !a.equals(b))) {
        throw new CheckpointError(`${dir}: ${file} differs from ${dirs[0]}'s; only checkpoints with the same tokenizer can be averaged`);
      }
    }
    const other = loadForInference(dir).model.namedParameters();
    other.forEach(([, p], i) => {
      const s = sums[i];
      for (let j = 0; j < s.length; j++) s[j] += p.data[j];
    });
  }
  params.forEach(([, p], i) => {
    const s = sums[i];
    for (let j = 0; j < s.length; j++) p.data[j] = s[j] / dirs.length;
  });
  return first;
}
