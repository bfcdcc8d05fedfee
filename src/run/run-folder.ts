/**
 * A run folder as a whole: whether a run may write there, how a checkpoint is saved so that a kill at any instant
 * leaves the run resumable exactly, and how the next start puts the folder right.
 *
 * The commit protocol. A checkpoint is built complete in checkpoints/.step-N.tmp-PID (weights, Adam's moments,
 * training state, tokenizers, config, the metrics so far, and manifest.json last, each file flushed) and made
 * current by one rename to checkpoints/step-N: that rename is the commit. It is then published to the top level
 * (the run folder itself is a loadable checkpoint) file by file, each an atomic rename of a hard link, the top-level
 * manifest last; best/ is replaced by renames too; only then are older checkpoints pruned. A kill anywhere leaves
 * the previous checkpoint current or the new one committed, and a top level that matches its manifest or not:
 * loading refuses one that does not, and --resume continues from the newest committed checkpoint, publishing it
 * again (begin).
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { isFolder, samePath } from "../io/paths.js";
import { OptionError } from "../errors.js";
import { fsyncDir, writeFileAtomic } from "../io/atomic-write.js";
import { linkOrCopy, placeFileAtomic } from "../io/place-file.js";
import { fsCall } from "../io/fs-error.js";
import type { Adam } from "../train/optimizer.js";
import { averageCheckpoints } from "./average.js";
import { type RunParts, writeCheckpointFiles, writeModelFiles } from "./checkpoint.js";
import { AVERAGED_DIR, BEST_DIR, CHECKPOINT_FILES, CHECKPOINTS_DIR, MANIFEST_FILE, METRICS_FILE, stepDirName, stepOfDir, tempDirName } from "./format.js";
import { type Survey, ensureWritable, inspectOut, removeRunFiles, removeTemporaries, surveyOut } from "./folder.js";
import { isComplete, stepFolders } from "./intact.js";
import { readManifest, writeManifest, writeManifestAs } from "./manifest.js";
import { MetricsLog } from "./metrics.js";
import { type ResumePoint, metricsHistory } from "./resume-point.js";
import type { TrainingState } from "./state.js";

function mkdir(p: string): void {
  fsCall(p, "create the folder", () => fs.mkdirSync(p));
}

function remove(p: string): void {
  fsCall(p, "remove", () => fs.rmSync(p, { recursive: true, force: true }));
}

function rename(from: string, to: string): void {
  fsCall(from, `rename it to ${path.basename(to)}`, () => fs.renameSync(from, to));
}

/** Renames `tmp` to `final`, moving a `final` that exists aside first (a folder cannot be renamed over a full one). */
function swapIn(tmp: string, final: string): void {
  const parent = path.dirname(final);
  let old: string | null = null;
  if (fs.existsSync(final)) {
    old = path.join(parent, tempDirName(path.basename(final), "old", process.pid));
    remove(old);
    rename(final, old);
  }
  rename(tmp, final);
  fsyncDir(parent);
  if (old !== null) remove(old);
}

export interface RunPlan {
  /** Where a resumed run continues from; undefined for a new run. */
  point?: ResumePoint;
  /** Replace the run the folder holds; resuming one of its own checkpoints, discard those newer than it. */
  overwrite: boolean;
  /** Step folders kept under checkpoints/. */
  keep: number;
}

/** Whether the run continues one of `dir`'s own checkpoints (else it starts the folder afresh). */
function continuesIn(plan: RunPlan, dir: string): boolean {
  return plan.point !== undefined && samePath(plan.point.run, dir);
}

/** Complete step folders of the run `dir` after `step`. */
function newerCheckpoints(dir: string, step: number): string[] {
  return stepFolders(dir).filter((n) => stepOfDir(n)! > step && isComplete(path.join(dir, CHECKPOINTS_DIR, n), stepOfDir(n)!));
}

/** Refuses a run folder that is not this run's to write: another run, or a later history of this one. */
function refuse(dir: string, plan: RunPlan, s: Survey): void {
  const { point, overwrite } = plan;
  const within = continuesIn(plan, dir);
  if (s.holdsRun && !within && !overwrite) {
    throw new OptionError(point
      ? `--out ${dir}: holds another run; give --overwrite to replace it with the resumed one, or choose an empty or new folder`
      : `--out ${dir}: holds a run already; give --resume ${dir} to continue it, or --overwrite to replace it`);
  }
  const newer = within && !overwrite ? newerCheckpoints(dir, point!.step) : [];
  if (newer.length > 0) {
    throw new OptionError(`--resume ${point!.dir}: ${dir} has checkpoints newer than its step ${point!.step} (${newer.join(", ")}); give --overwrite to discard them, or another --out`);
  }
}

export class RunFolder {
  readonly metrics: MetricsLog;
  /** The step of the checkpoint that is current in the folder; null before the run's first. */
  current: number | null = null;
  private begun = false;

  private constructor(readonly dir: string, private readonly plan: RunPlan, private readonly info: (m: string) => void, private readonly created: string[]) {
    this.metrics = new MetricsLog(dir);
  }

  /** Checks that the run may use `dir` and can write there (creating it), before any work; changes nothing in it. */
  static prepare(dir: string, plan: RunPlan, info: (m: string) => void): RunFolder {
    const s = inspectOut(dir);
    if (s !== null) refuse(dir, plan, s);
    return new RunFolder(dir, plan, info, ensureWritable(dir));
  }

  /**
   * Makes the folder the run's, once the run has its parts and data: the temporaries of a killed save go; a new
   * run (or one resumed from elsewhere) commits its first checkpoint; a run resumed from its own checkpoint gets its
   * metrics cut back to it, and its top level, best/ and --keep put right.
   */
  begin(parts: RunParts, opt: Adam, state: TrainingState): void {
    const s = surveyOut(this.dir); // again: the folder may have changed while the data loaded
    refuse(this.dir, this.plan, s);
    const n = removeTemporaries(this.dir, s.temporaries);
    if (n > 0) this.info(`${this.dir}: removed ${n} temporar${n === 1 ? "y" : "ies"} left by an interrupted save`);
    const { point } = this.plan;
    if (!continuesIn(this.plan, this.dir)) {
      if (s.holdsRun) {
        removeRunFiles(this.dir);
        this.info(`--overwrite: removed the run that was in ${this.dir}`);
      }
      const history = point ? metricsHistory(point, state) : Buffer.alloc(0);
      this.commit(parts, opt, state, history);
      this.metrics.start(history);
    } else {
      if (this.plan.overwrite) this.discardAfter(point!.step);
      this.metrics.start(metricsHistory(point!, state));
      const committed = path.join(this.dir, CHECKPOINTS_DIR, stepDirName(state.step));
      if (!isComplete(committed, state.step)) {
        this.commit(parts, opt, state); // resumed from best/ or a folder saved before manifests
      } else if (!isComplete(this.dir, state.step)) {
        this.publish(committed);
        this.info(`${this.dir}: the top level did not hold the last complete checkpoint; published ${committed} again`);
      }
      this.recoverBest(state);
      this.prune(state.step);
      this.current = state.step;
    }
    this.begun = true;
  }

  /** Removes the folders prepare created, when the run fails before it began (a refused data file): nothing is left. */
  abandon(): void {
    if (this.begun) return;
    for (const d of [...this.created].reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        return; // not empty after all: keep it
      }
    }
  }

  /** Saves a checkpoint of the run as it is now; see the module comment. `history`: the metrics, when not yet in the log. */
  commit(parts: RunParts, opt: Adam, state: TrainingState, history?: Uint8Array): void {
    const snapshot = history ?? this.metrics.read();
    state.metricsBytes = snapshot.length;
    const ckpts = path.join(this.dir, CHECKPOINTS_DIR);
    if (!isFolder(ckpts)) mkdir(ckpts);
    const name = stepDirName(state.step);
    const tmp = path.join(ckpts, tempDirName(name, "tmp", process.pid));
    remove(tmp);
    mkdir(tmp);
    const files = writeCheckpointFiles(tmp, parts, opt, state);
    const log = path.join(tmp, METRICS_FILE);
    fsCall(log, "write", () => writeFileAtomic(log, snapshot));
    writeManifest(tmp, state.step, [...files, METRICS_FILE]);
    const committed = path.join(ckpts, name);
    swapIn(tmp, committed);
    this.current = state.step;
    this.publish(committed);
    if (state.bestStep === state.step) this.placeBest(committed);
    this.prune(state.step);
  }

  /** Makes the top level hold the committed checkpoint `src`: its files (not its metrics snapshot), then its manifest. */
  private publish(src: string): void {
    const m = readManifest(src);
    if (m.kind !== "ok") throw new Error(`${src}: publishing a checkpoint that has no manifest`);
    const names = Object.keys(m.manifest.files).filter((n) => n !== METRICS_FILE);
    for (const n of names) {
      const target = path.join(this.dir, n);
      fsCall(target, "write", () => placeFileAtomic(path.join(src, n), target));
    }
    for (const n of CHECKPOINT_FILES) {
      if (n !== METRICS_FILE && n !== MANIFEST_FILE && !names.includes(n)) remove(path.join(this.dir, n));
    }
    fsyncDir(this.dir);
    writeManifestAs(this.dir, { ...m.manifest, files: Object.fromEntries(names.map((n) => [n, m.manifest.files[n]])) });
  }

  /** Replaces best/ by a copy (hard links) of the committed checkpoint `src`. */
  private placeBest(src: string): void {
    const tmp = path.join(this.dir, tempDirName(BEST_DIR, "tmp", process.pid));
    remove(tmp);
    mkdir(tmp);
    for (const n of fsCall(src, "list the folder", () => fs.readdirSync(src))) {
      fsCall(path.join(tmp, n), "write", () => linkOrCopy(path.join(src, n), path.join(tmp, n)));
    }
    fsyncDir(tmp);
    swapIn(tmp, path.join(this.dir, BEST_DIR));
  }

  /**
   * Replaces averaged/ by the mean of the newest `k` committed checkpoints after step 0 (fewer when the run saved
   * fewer), built aside and renamed in like best/. Returns the steps averaged.
   */
  average(k: number): number[] {
    const steps = stepFolders(this.dir).map((n) => stepOfDir(n)!).filter((s) => s > 0).sort((a, b) => a - b).slice(-k);
    if (steps.length === 0) throw new OptionError("averageLast", "found no checkpoint after step 0 to average");
    const parts = averageCheckpoints(steps.map((s) => path.join(this.dir, CHECKPOINTS_DIR, stepDirName(s))));
    const tmp = path.join(this.dir, tempDirName(AVERAGED_DIR, "tmp", process.pid));
    remove(tmp);
    mkdir(tmp);
    writeModelFiles(tmp, parts, { averaged_steps: steps.join(",") });
    fsyncDir(tmp);
    swapIn(tmp, path.join(this.dir, AVERAGED_DIR));
    return steps;
  }

  /** Removes the oldest step folders beyond --keep (never `current`), each renamed away first: no half-removed checkpoint. */
  private prune(current: number): void {
    const ckpts = path.join(this.dir, CHECKPOINTS_DIR);
    const old = stepFolders(this.dir).filter((n) => stepOfDir(n) !== current).sort((a, b) => stepOfDir(a)! - stepOfDir(b)!);
    for (const n of old.slice(0, Math.max(0, old.length - (this.plan.keep - 1)))) this.removeStep(path.join(ckpts, n));
  }

  private removeStep(dir: string): void {
    const del = path.join(path.dirname(dir), tempDirName(path.basename(dir), "del", process.pid));
    rename(dir, del);
    remove(del);
  }

  /** --overwrite on a resume from one of the folder's own earlier checkpoints: what came after it goes. */
  private discardAfter(step: number): void {
    const ckpts = path.join(this.dir, CHECKPOINTS_DIR);
    for (const n of stepFolders(this.dir).filter((n) => stepOfDir(n)! > step)) {
      this.removeStep(path.join(ckpts, n));
      this.info(`--overwrite: removed ${path.join(ckpts, n)}, saved after step ${step}`);
    }
    const averaged = path.join(this.dir, AVERAGED_DIR);
    if (fs.existsSync(averaged)) {
      this.removeStep(averaged);
      this.info(`--overwrite: removed ${averaged}, made at the end of the run`);
    }
    const best = path.join(this.dir, BEST_DIR);
    const m = readManifest(best);
    if (m.kind === "ok" && m.manifest.step > step) {
      this.removeStep(best);
      this.info(`--overwrite: removed ${best}, saved after step ${step}`);
    }
  }

  /** best/ holds the checkpoint of the state's best step, when a kill came between its commit and best/'s renames. */
  private recoverBest(state: TrainingState): void {
    if (state.bestStep === undefined || state.bestStep === null) return;
    const best = path.join(this.dir, BEST_DIR);
    if (isComplete(best, state.bestStep)) return;
    const src = path.join(this.dir, CHECKPOINTS_DIR, stepDirName(state.bestStep));
    if (!isComplete(src, state.bestStep)) return;
    this.placeBest(src);
    this.info(`${best}: made again from ${src}`);
  }
}
