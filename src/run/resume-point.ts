/**
 * Where `--resume DIR` continues from. For a run folder: its newest complete checkpoint, which is the top level
 * unless a save was cut short after its checkpoints/step-N was committed (then that one). For a checkpoint folder
 * (checkpoints/step-N, best/, a copy): that folder, if it is complete. Anything torn is refused in one line that
 * names the checkpoint to use instead.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { CheckpointError } from "../errors.js";
import { fsCall } from "../io/fs-error.js";
import { samePath } from "../io/paths.js";
import { readSafetensors } from "../models/safetensors-file.js";
import { METRICS_FILE, OPTIMIZER_FILE, STATE_FILE, WEIGHTS_FILE } from "./format.js";
import { newestComplete, runOf, tornError, tornReason } from "./intact.js";
import { readManifest } from "./manifest.js";
import { linesUpTo } from "./metrics.js";
import { type TrainingState, loadState } from "./state.js";

export interface ResumePoint {
  /** The checkpoint folder to read. */
  dir: string;
  step: number;
  /** The run folder it is the top level or a checkpoint of; itself for a checkpoint outside any run. */
  run: string;
}

/**
 * For a folder saved without a manifest (before manifests): why its files are not one checkpoint, when the state,
 * the weights and the moments say different steps (a save killed half-way); null when they agree.
 */
function stepsDisagree(dir: string): string | null {
  if (!fs.existsSync(path.join(dir, STATE_FILE))) return null; // not a training run: readRun says so
  const { step } = loadState(dir);
  for (const f of [WEIGHTS_FILE, OPTIMIZER_FILE]) {
    const file = path.join(dir, f);
    if (!fs.existsSync(file)) return `${f} is missing`;
    const saved = readSafetensors(file).metadata.training_step;
    if (saved !== undefined && Number(saved) !== step) return `${STATE_FILE} says step ${step}, ${f} step ${saved}`;
  }
  return null;
}

function resumableLegacy(dir: string): boolean {
  try {
    return fs.existsSync(path.join(dir, STATE_FILE)) && stepsDisagree(dir) === null;
  } catch {
    return false; // unreadable: not the one to resume from
  }
}

export function findResumePoint(dir: string): ResumePoint {
  if (!fs.existsSync(dir)) throw new CheckpointError(`--resume ${dir}: not found`);
  const run = runOf(dir);
  if (run !== null && samePath(run, dir)) {
    const c = newestComplete(run, resumableLegacy);
    if (c !== null) return { ...c, run };
  }
  const why = tornReason(dir) ?? (readManifest(dir).kind === "absent" ? stepsDisagree(dir) : null);
  if (why !== null) throw tornError(dir, why);
  return { dir, step: loadState(dir).step, run: run ?? dir };
}

/**
 * The metrics lines a run resumed from `point` keeps: the checkpoint's own snapshot, else its run's log cut where
 * the checkpoint was saved (by step, for a run saved before positions were kept).
 */
export function metricsHistory(point: ResumePoint, state: TrainingState): Buffer {
  const m = readManifest(point.dir);
  const own = path.join(point.dir, METRICS_FILE);
  if (m.kind === "ok" && m.manifest.files[METRICS_FILE]) return fsCall(own, "read", () => fs.readFileSync(own));
  const log = path.join(point.run, METRICS_FILE);
  if (!fs.existsSync(log)) return Buffer.alloc(0);
  const bytes = fsCall(log, "read", () => fs.readFileSync(log));
  const cut = state.metricsBytes;
  // the position, when the log is the one it was taken in (it ends a line there); else by step
  return cut !== undefined && cut <= bytes.length && (cut === 0 || bytes[cut - 1] === 0x0a) ? bytes.subarray(0, cut) : linesUpTo(bytes, state.step);
}
