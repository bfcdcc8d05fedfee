/** A live loss curve (SVG): raw loss per step in light blue, its moving average in dark blue. */
import { fmt, svg } from "./dom.js";

const W = 560;
const H = 240;
const M = { left: 48, right: 12, top: 14, bottom: 34 };
const SMOOTH = 0.9;

/** The chart's SVG root, carrying the loss of every step so far for whoever wants the numbers. */
export type LossChartElement = SVGSVGElement & { losses: readonly number[] };

export class LossChart {
  private readonly steps: number[] = [];
  private readonly losses: number[] = [];
  private readonly smoothed: number[] = [];
  private dirty = false;

  constructor(private readonly root: SVGSVGElement) {
    (root as LossChartElement).losses = this.losses;
    root.setAttribute("viewBox", `0 0 ${W} ${H}`);
    root.setAttribute("width", String(W));
    root.setAttribute("height", String(H));
    this.render();
  }

  clear(): void {
    this.steps.length = this.losses.length = this.smoothed.length = 0;
    this.schedule();
  }

  add(step: number, loss: number): void {
    const prev = this.smoothed.length ? this.smoothed[this.smoothed.length - 1] : loss;
    this.steps.push(step);
    this.losses.push(loss);
    this.smoothed.push(SMOOTH * prev + (1 - SMOOTH) * loss);
    this.schedule();
  }

  /** Mean loss of the first and of the last `n` steps. */
  ends(n = 10): { first: number; last: number } | null {
    if (this.losses.length < 2) return null;
    const k = Math.min(n, Math.floor(this.losses.length / 2));
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    return { first: mean(this.losses.slice(0, k)), last: mean(this.losses.slice(-k)) };
  }

  /** Redraws at most once per frame, however fast points arrive. */
  private schedule(): void {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      this.render();
    });
  }

  private render(): void {
    const root = this.root;
    root.replaceChildren();
    const n = this.steps.length;
    const maxStep = Math.max(10, n ? this.steps[n - 1] : 0);
    const maxLoss = Math.max(0.5, ...this.losses.slice(0, 50), ...(n ? [this.losses[n - 1]] : []));
    const pw = W - M.left - M.right;
    const ph = H - M.top - M.bottom;
    const x = (s: number) => M.left + (s / maxStep) * pw;
    const y = (l: number) => M.top + ph - (Math.min(l, maxLoss) / maxLoss) * ph;
    root.append(svg("rect", { x: M.left, y: M.top, width: pw, height: ph, fill: "#fff", stroke: "#bbb" }));
    for (let k = 0; k <= 4; k++) {
      const l = (maxLoss * k) / 4;
      root.append(svg("line", { x1: M.left, x2: M.left + pw, y1: y(l), y2: y(l), stroke: "#eee" }));
      root.append(svg("text", { class: "tick", x: M.left - 6, y: y(l) + 4, "text-anchor": "end", text: fmt(l, 2) }));
    }
    for (let k = 0; k <= 5; k++) {
      const s = Math.round((maxStep * k) / 5);
      root.append(svg("text", { class: "tick", x: x(s), y: M.top + ph + 14, "text-anchor": "middle", text: String(s) }));
    }
    root.append(svg("text", { class: "axis-name", x: M.left + pw / 2, y: H - 4, "text-anchor": "middle", text: "step" }));
    root.append(svg("text", {
      class: "axis-name", x: 12, y: M.top + ph / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${M.top + ph / 2})`,
      text: "cross-entropy (nats/token)",
    }));
    const line = (vals: number[], cls: string, color: string, width: number) => {
      if (vals.length < 1) return;
      const pts = vals.map((l, i) => `${x(this.steps[i]).toFixed(1)},${y(l).toFixed(1)}`).join(" ");
      root.append(svg("polyline", { class: cls, points: pts, fill: "none", stroke: color, "stroke-width": width }));
    };
    line(this.losses, "raw", "#9ecae1", 1);
    line(this.smoothed, "smoothed", "#08519c", 2);
    root.dataset.points = String(n);
    const e = this.ends();
    if (e) {
      root.dataset.firstLoss = String(e.first);
      root.dataset.lastLoss = String(e.last);
    }
  }
}
