/**
 * Whether a checkpoint folder is complete, and which is the last complete checkpoint of its run: the checks that
 * loading and resuming make before they read, and the one line they give for a torn folder.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { isFolder, samePath } from "../io/paths.js";
import { CheckpointError } from "../errors.js";
import { BEST_DIR, CHECKPOINTS_DIR, MANIFEST_FILE, STATE_FILE, stepOfDir } from "./format.js";
import { mismatch, readManifest } from "./manifest.js";

/** The step folders under `run`/checkpoints, as names. */
export function stepFolders(run: string): string[] {
  const ckpts = path.join(run, CHECKPOINTS_DIR);
  if (!isFolder(ckpts)) return [];
  return fs.readdirSync(ckpts).filter((n) => stepOfDir(n) !== null && isFolder(path.join(ckpts, n)));
}

/** The run folder `dir` is, or belongs to as checkpoints/step-N or best/; null for a folder outside any run. */
export function runOf(dir: string): string | null {
  if (isFolder(path.join(dir, CHECKPOINTS_DIR))) return dir;
  const name = path.basename(path.resolve(dir));
  const parent = path.join(dir, "..");
  if (stepOfDir(name) !== null && path.basename(path.resolve(parent)) === CHECKPOINTS_DIR) return path.join(parent, "..");
  if (name === BEST_DIR && isFolder(path.join(parent, CHECKPOINTS_DIR))) return parent;
  return null;
}

/** A run's top level without a manifest while its checkpoints have one: a save that stopped before writing it. */
function manifestExpected(dir: string): boolean {
  return stepFolders(dir).some((n) => fs.existsSync(path.join(dir, CHECKPOINTS_DIR, n, MANIFEST_FILE)));
}

/**
 * Why `dir` is torn, checking `names` (default: every file its manifest lists); null when it is not: complete, or
 * a folder with no manifest at all (made by hand, by `init`, or saved before manifests), which is taken as it is.
 */
export function tornReason(dir: string, names?: readonly string[]): string | null {
  const m = readManifest(dir);
  if (m.kind === "invalid") return m.problem;
  if (m.kind === "ok") return mismatch(dir, m.manifest, names);
  return manifestExpected(dir) ? `${MANIFEST_FILE} is missing` : null;
}

/** The step a folder says it holds (its manifest, else its training state), before anything is verified. */
function claimedStep(dir: string): number | null {
  const m = readManifest(dir);
  if (m.kind === "ok") return m.manifest.step;
  try {
    const step = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8")).step;
    return Number.isInteger(step) ? step : null;
  } catch {
    return null;
  }
}

/** Whether `dir` is a complete checkpoint (of `step`, when given): a manifest that all its files match. */
export function isComplete(dir: string, step?: number): boolean {
  const m = readManifest(dir);
  return m.kind === "ok" && (step === undefined || m.manifest.step === step) && mismatch(dir, m.manifest) === null;
}

export interface CheckpointRef {
  dir: string;
  step: number;
}

/**
 * The newest complete checkpoint of `run`: its step folders and its top level, newest step first, and a step folder
 * before the top level of the same step (it also holds the metrics up to its step). A folder without a manifest
 * counts only when `legacy` accepts it (resuming a run saved before manifests).
 */
export function newestComplete(run: string, legacy?: (dir: string) => boolean): CheckpointRef | null {
  const candidates: CheckpointRef[] = stepFolders(run).map((n) => ({ dir: path.join(run, CHECKPOINTS_DIR, n), step: stepOfDir(n)! }));
  const top = claimedStep(run);
  if (top !== null) candidates.push({ dir: run, step: top });
  candidates.sort((a, b) => b.step - a.step); // stable: a step folder stays before the top level of its step
  for (const c of candidates) {
    if (isComplete(c.dir, c.step)) return c;
    if (readManifest(c.dir).kind === "absent" && !manifestExpected(c.dir) && legacy?.(c.dir)) return c;
  }
  return null;
}

/** The one line for a torn folder: what does not match, and the checkpoint to use instead. */
export function tornError(dir: string, why: string): CheckpointError {
  const run = runOf(dir);
  const last = run === null ? null : newestComplete(run);
  let instead = "";
  if (run !== null && last !== null) {
    instead = `; the last complete one is ${last.dir} (${samePath(run, dir) ? `use it as --checkpoint, or --resume ${dir} to repair` : "use it instead"})`;
  } else if (run !== null) {
    instead = `; no complete checkpoint is left in ${run}`;
  }
  return new CheckpointError(`${dir}: torn checkpoint (${why}: an interrupted save?)${instead}`);
}

/** Refuses a torn folder (checking `names`, or all it lists) with tornError's line. */
export function assertIntact(dir: string, names?: readonly string[]): void {
  const why = tornReason(dir, names);
  if (why !== null) throw tornError(dir, why);
}
