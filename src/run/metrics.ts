import * as fs from "node:fs";
import * as path from "node:path";
import { lossCurveSvg } from "../inspect/loss-curve.js";
import { LOSS_CURVE_FILE, METRICS_FILE } from "./format.js";

/** A run's metrics.jsonl (one JSON object a line, `type` train or valid) and the loss.svg drawn from it. */
export class MetricsLog {
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, METRICS_FILE);
  }

  /** Starts the log with `carried` (a resumed run's earlier lines, or nothing). */
  start(carried: string | Buffer): void {
    fs.writeFileSync(this.file, carried);
  }

  append(m: Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify(m) + "\n");
  }

  /** Redraws loss.svg: training and validation loss by step, and the unigram baseline when there is one. */
  drawCurve(title: string, baseline: number | null): void {
    const lines = fs.readFileSync(this.file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number | string>);
    const trainPts = lines.filter((l) => l.type === "train").map((l) => [l.step, l.loss] as [number, number]);
    const validPts = lines.filter((l) => l.type === "valid").map((l) => [l.step, l.loss] as [number, number]);
    const series = [{ label: "train (label-smoothed)", color: "#1f77b4", points: trainPts }, { label: "validation", color: "#d62728", points: validPts }];
    if (baseline !== null && trainPts.length) series.push({ label: "unigram baseline", color: "#999", points: [[0, baseline], [Math.max(...trainPts.map((p) => p[0])), baseline]] });
    fs.writeFileSync(path.join(this.dir, LOSS_CURVE_FILE), lossCurveSvg(series, title));
  }
}
