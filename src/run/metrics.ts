/**
 * A run's metrics.jsonl (one JSON object a line, `type` train or valid) and the loss.svg drawn from it.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic-write.js";
import { fsCall } from "../io/fs-error.js";
import { lossCurveSvg } from "../inspect/loss-curve.js";
import { LOSS_CURVE_FILE, METRICS_FILE } from "./format.js";

export class MetricsLog {
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, METRICS_FILE);
  }

  /** The log as it is (empty when there is none yet): what a checkpoint keeps as its snapshot. */
  read(): Buffer {
    if (!fs.existsSync(this.file)) return Buffer.alloc(0);
    return fsCall(this.file, "read", () => fs.readFileSync(this.file));
  }

  /** Starts the log with `history` (a resumed run's earlier lines, or nothing), replacing what was there. */
  start(history: Uint8Array): void {
    fsCall(this.file, "write", () => writeFileAtomic(this.file, history));
  }

  append(m: Record<string, unknown>): void {
    fsCall(this.file, "write", () => fs.appendFileSync(this.file, JSON.stringify(m) + "\n"));
  }

  /** Redraws loss.svg: training and validation loss by step, and the unigram baseline when there is one. */
  drawCurve(title: string, baseline: number | null): void {
    const lines = this.read().toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number | string>);
    const trainPts = lines.filter((l) => l.type === "train").map((l) => [l.step, l.loss] as [number, number]);
    const validPts = lines.filter((l) => l.type === "valid").map((l) => [l.step, l.loss] as [number, number]);
    const series = [{ label: "train (label-smoothed)", color: "#1f77b4", points: trainPts }, { label: "validation", color: "#d62728", points: validPts }];
    if (baseline !== null && trainPts.length) series.push({ label: "unigram baseline", color: "#999", points: [[0, baseline], [Math.max(...trainPts.map((p) => p[0])), baseline]] });
    const svg = path.join(this.dir, LOSS_CURVE_FILE);
    fsCall(svg, "write", () => writeFileAtomic(svg, lossCurveSvg(series, title)));
  }
}

/** The complete lines of a log that belong to steps up to `step`: a run saved before byte positions were kept. */
export function linesUpTo(log: Buffer, step: number): Buffer {
  const kept = log.toString("utf8").split("\n").filter((l) => {
    try {
      return l !== "" && (JSON.parse(l) as { step?: number }).step! <= step;
    } catch {
      return false; // the torn last line of a killed run
    }
  });
  return Buffer.from(kept.map((l) => l + "\n").join(""));
}
