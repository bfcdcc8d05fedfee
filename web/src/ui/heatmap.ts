/**
 * An attention heatmap: one row per query token, one column per key token, labelled on both axes. The labels
 * are SVG text; the cells are one image (a canvas, one pixel per cell, scaled up without smoothing), so a
 * 60 × 60 map costs one element instead of 3,600. The cell under the pointer is outlined and reported, in a
 * tooltip that follows the pointer and to `onHover`.
 */
import { cssAt, rgbAt } from "./colors.js";
import { el, fmt, svg } from "./dom.js";

export interface HeatmapSpec {
  title: string;
  /** Query labels (rows). */
  rows: string[];
  /** Key labels (columns). */
  cols: string[];
  /** Row-major weights (rows × cols), read from `offset`. */
  values: Float32Array;
  offset: number;
  /** Words for the axes, e.g. "decoder input" / "source token". */
  rowAxis: string;
  colAxis: string;
  /** The weight drawn darkest: 1, or the map's own largest weight to stretch diffuse attention. @default 1 */
  scaleMax?: number;
}

/** The heatmap's SVG root, carrying its weights (rows × cols) for whoever wants the numbers. */
export type HeatmapElement = SVGSVGElement & { weights: { rows: number; cols: number; values: Float32Array } };

const CHAR_W = 6.6; // px per character of an 11px monospace label
const MAX_LABEL = 14; // characters
const MIN_WIDTH = 230; // room for the title
const MIN_CELL = 3; // px
const MIN_FONT = 8; // px: when cells are smaller, only every k-th label is drawn

export function clipLabel(label: string): string {
  return label.length > MAX_LABEL ? label.slice(0, MAX_LABEL - 1) + "…" : label;
}

let tooltip: HTMLElement | null = null;

function showTooltip(text: string | null, x = 0, y = 0): void {
  if (!tooltip) {
    tooltip = el("div", { class: "tooltip", role: "tooltip" });
    document.body.append(tooltip);
  }
  tooltip.hidden = text === null;
  if (text === null) return;
  tooltip.textContent = text;
  tooltip.style.left = `${x + 14}px`;
  tooltip.style.top = `${y + 14}px`;
}

/** The cells as a PNG data URL, one pixel per cell. */
function cellImage(values: Float32Array, offset: number, rows: number, cols: number, scaleMax: number): string {
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, cols);
  canvas.height = Math.max(1, rows);
  const ctx = canvas.getContext("2d");
  if (!ctx) return "";
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = rgbAt(values[offset + i], 0, scaleMax, "sequential");
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL("image/png");
}

/** `onHover` gets a sentence about the cell under the pointer, or null when it leaves. */
export function heatmap(spec: HeatmapSpec, onHover: (text: string | null) => void): HeatmapElement {
  const { rows, cols, values, offset } = spec;
  const n = Math.max(rows.length, cols.length);
  const cell = Math.max(MIN_CELL, Math.min(24, Math.floor(440 / Math.max(1, n))));
  const fontSize = Math.min(11, Math.max(MIN_FONT, cell));
  const charW = (CHAR_W * fontSize) / 11;
  const left = 10 + charW * Math.max(3, ...rows.map((r) => clipLabel(r).length));
  const top = 34 + charW * Math.max(3, ...cols.map((c) => clipLabel(c).length));
  const plotW = cols.length * cell;
  const plotH = rows.length * cell;
  const width = Math.max(MIN_WIDTH, left + plotW + 8);
  const height = top + plotH + 8;
  const root = svg("svg", {
    class: "heatmap", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": spec.title,
    "data-rows": rows.length, "data-cols": cols.length, "data-cell": cell,
  }) as HeatmapElement;
  root.weights = { rows: rows.length, cols: cols.length, values: values.slice(offset, offset + rows.length * cols.length) };
  root.append(svg("text", { class: "heatmap-title", x: 2, y: 12, text: spec.title }));
  root.append(svg("text", { class: "axis-name", x: 2, y: 25, text: `rows: ${spec.rowAxis} · columns: ${spec.colAxis}` }));

  const labelEvery = Math.ceil(fontSize / cell); // 1 unless the cells are smaller than the font
  cols.forEach((c, j) => {
    if (j % labelEvery) return;
    const x = left + j * cell + cell / 2;
    root.append(svg("text", {
      class: "col-label", x, y: top - 4, transform: `rotate(-90 ${x} ${top - 4})`, "dominant-baseline": "central",
      "font-size": fontSize, "data-index": j, text: clipLabel(c),
    }));
  });
  rows.forEach((r, i) => {
    if (i % labelEvery) return;
    root.append(svg("text", {
      class: "row-label", x: left - 4, y: top + i * cell + cell / 2, "text-anchor": "end", "dominant-baseline": "central",
      "font-size": fontSize, "data-index": i, text: clipLabel(r),
    }));
  });

  const image = svg("image", {
    class: "cells", x: left, y: top, width: plotW, height: plotH, preserveAspectRatio: "none",
    href: cellImage(values, offset, rows.length, cols.length, spec.scaleMax ?? 1), style: "image-rendering: pixelated",
  });
  root.append(image);
  root.append(svg("rect", { class: "frame", x: left, y: top, width: plotW, height: plotH, fill: "none", stroke: "#999" }));
  const highlight = svg("rect", { class: "hover", width: cell, height: cell, fill: "none", stroke: "#e6550d", "stroke-width": 2, visibility: "hidden" });
  root.append(highlight);

  image.addEventListener("mousemove", (e) => {
    const box = image.getBoundingClientRect();
    const j = Math.min(cols.length - 1, Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * cols.length)));
    const i = Math.min(rows.length - 1, Math.max(0, Math.floor(((e.clientY - box.top) / box.height) * rows.length)));
    const w = values[offset + i * cols.length + j];
    highlight.setAttribute("x", String(left + j * cell));
    highlight.setAttribute("y", String(top + i * cell));
    highlight.setAttribute("visibility", "visible");
    showTooltip(`“${rows[i]}” → “${cols[j]}”: ${fmt(w, 3)}`, e.clientX, e.clientY);
    onHover(`${spec.title}: ${spec.rowAxis} ${i} “${rows[i]}” → ${spec.colAxis} ${j} “${cols[j]}”: weight ${fmt(w, 4)}`);
  });
  image.addEventListener("mouseleave", () => {
    highlight.setAttribute("visibility", "hidden");
    showTooltip(null);
    onHover(null);
  });
  return root;
}

/** A legend for the weight scale: 0 … 1, or 0 … each map's largest weight. */
export function weightLegend(stretched = false): SVGSVGElement {
  const w = 160;
  const root = svg("svg", { class: "legend", width: w + 200, height: 24 });
  const grad = svg("linearGradient", { id: "weight-scale" });
  for (let k = 0; k <= 10; k++) grad.append(svg("stop", { offset: `${k * 10}%`, "stop-color": cssAt(k / 10, 0, 1, "sequential") }));
  root.append(svg("defs", {}, grad));
  root.append(svg("text", { x: 0, y: 16, text: "0" }));
  root.append(svg("rect", { x: 12, y: 4, width: w, height: 14, fill: "url(#weight-scale)", stroke: "#999" }));
  root.append(svg("text", { x: w + 16, y: 16, text: stretched ? "the map's largest weight" : "1 (weight)" }));
  return root;
}
