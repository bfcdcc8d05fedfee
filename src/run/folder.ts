/**
 * What a run folder may hold, by the names of format.ts. A run writes nothing else: it refuses a folder that holds
 * anything else, and it deletes (--overwrite) and cleans (the temporaries of a save that was killed) only what it
 * would have written itself.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { isFolder, samePath } from "../io/paths.js";
import { tempFileTarget } from "../io/atomic-write.js";
import { OptionError } from "../errors.js";
import { FileSystemError, fsCall } from "../io/fs-error.js";
import { PROBE_NAME, makeFolder, probeWritable } from "../io/make-folder.js";
import { AVERAGED_DIR, BEST_DIR, CHECKPOINT_FILES, CHECKPOINTS_DIR, MANIFEST_FILE, RUN_FILES, type TempKind, parseTempDir, stepOfDir } from "./format.js";
import { runOf } from "./intact.js";

/** The three kinds of place in a run folder: its top level, checkpoints/, and a checkpoint folder (step-N, best). */
type Zone = "top" | "checkpoints" | "checkpoint";

const FILES: Record<Zone, ReadonlySet<string>> = {
  top: new Set(RUN_FILES),
  checkpoints: new Set(),
  checkpoint: new Set(CHECKPOINT_FILES),
};

/** The files whose temporaries (atomic-write's `.NAME.PID.HEX.tmp`) may be found in a zone: its own, and the probe's. */
function isTemporaryOf(zone: Zone, target: string | null): boolean {
  return target !== null && (FILES[zone].has(target) || (zone === "top" && target === PROBE_NAME));
}

/** The zone a sub-folder named `name` of a `zone` is, or null when a run makes no such folder. */
function subZone(zone: Zone, name: string): Zone | null {
  const temp = parseTempDir(name);
  const checkpointLike = (n: string | undefined) => n === BEST_DIR || n === AVERAGED_DIR;
  if (zone === "top") return name === CHECKPOINTS_DIR ? "checkpoints" : checkpointLike(name) || checkpointLike(temp?.target) ? "checkpoint" : null;
  if (zone === "checkpoints") return stepOfDir(name) !== null || (temp && stepOfDir(temp.target) !== null) ? "checkpoint" : null;
  return null;
}

/** A temporary a killed save left (path relative to the run folder); a folder one is removed whole. */
export interface Temporary {
  rel: string;
  /** For a folder temporary: the folder it was building or replacing, and which. */
  folder?: { target: string; kind: TempKind };
}

export interface Survey {
  /** The first entry (relative path, in sorted order) that a run does not write, or null. */
  foreign: string | null;
  /** Whether it holds a run's or a checkpoint's files besides temporaries. */
  holdsRun: boolean;
  temporaries: Temporary[];
}

/** Walks `dir` (which exists) by the rules above; a link, a device or any name a run does not write is foreign. */
export function survey(dir: string): Survey {
  const s: Survey = { foreign: null, holdsRun: false, temporaries: [] };
  const walk = (rel: string, zone: Zone, inTemp: boolean): void => {
    const abs = path.join(dir, rel);
    const names = fsCall(abs, "list the folder", () => fs.readdirSync(abs)).sort();
    for (const name of names) {
      if (s.foreign !== null) return;
      const r = path.join(rel, name);
      const st = fsCall(path.join(dir, r), "read", () => fs.lstatSync(path.join(dir, r)));
      if (st.isFile()) {
        if (isTemporaryOf(zone, tempFileTarget(name))) {
          if (!inTemp) s.temporaries.push({ rel: r });
        } else if (FILES[zone].has(name)) {
          if (!inTemp) s.holdsRun = true;
        } else {
          s.foreign = r;
        }
      } else if (st.isDirectory() && subZone(zone, name) !== null) {
        const temp = parseTempDir(name);
        if (temp && !inTemp) s.temporaries.push({ rel: r, folder: temp });
        walk(r, subZone(zone, name)!, inTemp || temp !== null);
      } else {
        s.foreign = r;
      }
    }
  };
  walk("", "top", false);
  return s;
}

/** The --out refusal for a foreign entry. */
function foreignMessage(dir: string, foreign: string): string {
  return `--out ${dir}: holds ${foreign}, which a run does not write; choose an empty or new folder`;
}

/**
 * What --out holds, checked before any work: nothing foreign, and not a checkpoint inside a run (its step folders
 * and best/ are written by the run only). Null when the folder does not exist yet.
 */
export function inspectOut(dir: string): Survey | null {
  const run = runOf(dir);
  if (run !== null && !samePath(run, dir)) throw new OptionError(`--out ${dir}: is a checkpoint inside the run ${run}; give --out ${run}`);
  return isFolder(dir) ? surveyOut(dir) : null;
}

/** What --out (which exists) holds; refused when anything there is foreign. */
export function surveyOut(dir: string): Survey {
  const s = survey(dir);
  if (s.foreign !== null) throw new OptionError(foreignMessage(dir, s.foreign));
  return s;
}

/** Creates --out if needed and probes a write there: a bad --out fails now, in one line. Returns the folders created. */
export function ensureWritable(dir: string): string[] {
  try {
    const created = makeFolder(dir);
    probeWritable(dir);
    return created;
  } catch (e) {
    if (!(e instanceof FileSystemError)) throw e;
    throw new FileSystemError(e.path, e.code, `--out ${e.message.startsWith(`${dir}: `) ? e.message : `${dir}: ${e.message}`}`);
  }
}

function remove(p: string): void {
  fsCall(p, "remove", () => fs.rmSync(p, { recursive: true, force: true }));
}

/**
 * Removes the temporaries a killed save left; a folder that was moved aside to be replaced goes back when its
 * replacement never arrived (a kill between the two renames). Returns how many it removed.
 */
export function removeTemporaries(dir: string, temps: readonly Temporary[]): number {
  let removed = 0;
  for (const t of temps) {
    const p = path.join(dir, t.rel);
    const target = t.folder ? path.join(path.dirname(p), t.folder.target) : null;
    if (t.folder?.kind === "old" && target !== null && !fs.existsSync(target)) {
      fsCall(p, "restore", () => fs.renameSync(p, target));
      continue;
    }
    remove(p);
    removed++;
  }
  return removed;
}

/** Deletes a run from `dir`, the manifest first (never a complete-looking half); refuses if anything there is foreign. */
export function removeRunFiles(dir: string): void {
  const s = survey(dir);
  if (s.foreign !== null) throw new OptionError(foreignMessage(dir, s.foreign));
  remove(path.join(dir, MANIFEST_FILE));
  for (const name of fsCall(dir, "list the folder", () => fs.readdirSync(dir))) remove(path.join(dir, name));
}
