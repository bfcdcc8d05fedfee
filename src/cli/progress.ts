import cliProgress from "cli-progress";

/** Seconds as "1h02m", "3m05s" or "42s". */
export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return "?";
  s = Math.max(0, Math.round(s));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** What the trainer reports at a log step (its LogEvent). */
export interface ProgressEvent {
  step: number;
  totalSteps: number | null;
  loss: number;
  lr: number;
  tokensPerSecond: number;
  /** Until the first limit (steps or this sitting's minutes) ends the sitting. */
  etaSeconds: number | null;
  /** Training time of the run, earlier sittings included. */
  elapsedSeconds: number;
}

/** The bar's fill (value of total) and the text beside it. */
export interface BarState {
  value: number;
  total: number;
  /** "step 120/400", or under a time budget "step 120 | 2m00s of 6m00s". */
  position: string;
  eta: string;
}

/**
 * The bar for a sitting limited by steps, by a time budget (`--minutes`, in seconds here), or by both: it fills
 * toward whichever ends the sitting first. The trainer's ETA is the nearer of the two; the steps' own ETA is
 * estimated from the run's mean time per step, and the budget counts as first only when clearly nearer (within
 * 10% the two end together, and the step count reads better).
 */
export function barState(e: ProgressEvent, budgetSeconds: number | null): BarState {
  const eta = formatDuration(e.etaSeconds);
  const bySteps = { value: e.step, total: e.totalSteps ?? e.step, position: `step ${e.step}${e.totalSteps !== null ? `/${e.totalSteps}` : ""}`, eta };
  if (budgetSeconds === null || e.etaSeconds === null) return bySteps;
  if (e.totalSteps !== null) {
    const stepsEta = (e.totalSteps - e.step) * (e.elapsedSeconds / e.step);
    if (!(e.etaSeconds < 0.9 * stepsEta)) return bySteps;
  }
  const used = Math.min(budgetSeconds, Math.max(0, budgetSeconds - e.etaSeconds));
  return { value: used, total: budgetSeconds, position: `step ${e.step} | ${formatDuration(used)} of ${formatDuration(budgetSeconds)}`, eta };
}

/** The line written for each log step when stderr is not a terminal. */
export function progressLine(e: ProgressEvent): string {
  return `step ${e.step}${e.totalSteps ? `/${e.totalSteps}` : ""}  loss ${e.loss.toFixed(3)}  lr ${e.lr.toExponential(2)}  ` +
    `${Math.round(e.tokensPerSecond).toLocaleString("en")} tok/s  elapsed ${formatDuration(e.elapsedSeconds)}  eta ${formatDuration(e.etaSeconds)}`;
}

/**
 * A live progress bar on a terminal (cli-progress), or plain log lines when stderr is not a TTY (CI, files),
 * so that long runs always show step, loss, learning rate, tokens/s and ETA.
 */
export class TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty = process.stderr.isTTY === true;
  private readonly budgetSeconds: number | null;

  /** `minutes`: this sitting's time budget, if any. */
  constructor(minutes?: number) {
    this.budgetSeconds = minutes !== undefined ? minutes * 60 : null;
  }

  update(e: ProgressEvent): void {
    if (!this.tty) {
      process.stderr.write(progressLine(e) + "\n");
      return;
    }
    const s = barState(e, this.budgetSeconds);
    // payload names clear of cli-progress's own {eta}, {value} and {total}, which it computes itself
    const payload = { position: s.position, loss: e.loss.toFixed(3), lr: e.lr.toExponential(2), tps: Math.round(e.tokensPerSecond).toLocaleString("en"), timeLeft: s.eta };
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar({
        format: "{bar} {position} | loss {loss} | lr {lr} | {tps} tok/s | ETA {timeLeft}",
        hideCursor: true, clearOnComplete: false, stream: process.stderr,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(s.total, s.value, payload);
      return;
    }
    this.bar.setTotal(s.total);
    this.bar.update(s.value, payload);
  }

  /** Prints a line above the bar. */
  note(message: string): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
    process.stderr.write(message + "\n");
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
