import cliProgress from "cli-progress";

/** Seconds as "1h02m", "3m05s" or "42s". */
export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return "?";
  s = Math.max(0, Math.round(s));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/**
 * A live progress line on a terminal (cli-progress), or plain log lines when stderr is not a TTY (CI, files),
 * so that long runs always show step, loss, learning rate, tokens/s and ETA.
 */
export class TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty = process.stderr.isTTY === true;

  update(e: { step: number; totalSteps: number | null; loss: number; lr: number; tokensPerSecond: number; etaSeconds: number | null; elapsedSeconds: number }): void {
    const fields = { loss: e.loss.toFixed(3), lr: e.lr.toExponential(2), tps: Math.round(e.tokensPerSecond).toLocaleString("en"), eta: formatDuration(e.etaSeconds) };
    if (!this.tty) {
      process.stderr.write(`step ${e.step}${e.totalSteps ? `/${e.totalSteps}` : ""}  loss ${fields.loss}  lr ${fields.lr}  ${fields.tps} tok/s  elapsed ${formatDuration(e.elapsedSeconds)}  eta ${fields.eta}\n`);
      return;
    }
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar({
        format: "{bar} step {value}/{total} | loss {loss} | lr {lr} | {tps} tok/s | ETA {eta}",
        hideCursor: true, clearOnComplete: false, stream: process.stderr,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(e.totalSteps ?? e.step, e.step, fields);
    }
    if (e.totalSteps === null) this.bar.setTotal(e.step);
    this.bar.update(e.step, fields);
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
