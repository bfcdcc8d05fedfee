/**
 * The small pictures of the walk (src/inspect/explain-html.ts) beside its numbers: the weights of one head,
 * bars for a probability distribution, and (for a dModel-2 model, the notes' toy) vectors in the plane. Inline SVG, no dependency, browser-safe.
 */
import { formatNumber } from "./html.js";
import { colorAt, escapeXml } from "./svg.js";

/**
 * Attention weights (0..1) as a grid of cells, white to blue, rows the queries and columns the keys, each cell's
 * weight in its tooltip. Drawn here rather than by svg.ts's heatmaps, whose legend refers to a gradient by
 * url(#…): this one is plain shapes, so that the walk page stays free of anything that looks like a reference.
 */
export function weightsFigure(title: string, values: readonly (readonly number[])[], rowLabels: readonly string[], colLabels: readonly string[]): string {
  const cell = Math.max(8, Math.min(28, Math.floor(360 / Math.max(1, values.length, values[0]?.length ?? 0))));
  const left = 110, top = 96;
  const clip = (t: string) => (t.length > 14 ? t.slice(0, 13) + "…" : t);
  const cells = values.map((row, r) => row.map((w, c) =>
    `<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${colorAt(w, 0, 1, "sequential")}" stroke="#ddd" stroke-width="0.5"><title>${escapeXml(`${rowLabels[r]} → ${colLabels[c]}: ${formatNumber(w)}`)}</title></rect>`).join("")).join("");
  const rows = rowLabels.map((l, r) => `<text x="${left - 4}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(clip(l))}</text>`).join("");
  const cols = colLabels.map((l, c) => `<text transform="translate(${left + c * cell + cell / 2 + 4},${top - 4}) rotate(-60)" font-size="11">${escapeXml(clip(l))}</text>`).join("");
  const width = Math.max(left + (values[0]?.length ?? 0) * cell + 20, 12 + 6.5 * title.length), height = top + values.length * cell + 10;
  return `<div class="picture"><svg class="weights" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img" aria-label="${escapeXml(title)}">`
    + `<text x="4" y="14" font-size="12" font-weight="bold">${escapeXml(title)}</text>${cells}${rows}${cols}</svg></div>`;
}

/** Horizontal bars of values in 0..1, one per label, with the value written at the end. */
export function barsFigure(labels: readonly string[], values: readonly number[], caption: string): string {
  const rowH = 18, labelW = 120, barW = 240;
  const rows = values.map((v, i) => {
    const y = 22 + i * rowH;
    const w = Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0)) * barW;
    return `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end" font-size="12">${escapeXml(labels[i] ?? "")}</text>`
      + `<rect x="${labelW}" y="${y + 2}" width="${barW}" height="${rowH - 5}" fill="#eee"/>`
      + `<rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="#08519c"/>`
      + `<text x="${labelW + barW + 6}" y="${y + 12}" font-size="12">${formatNumber(v)}</text>`;
  }).join("");
  const h = 26 + values.length * rowH;
  const width = labelW + barW + 60;
  return `<div class="picture"><svg class="bars" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" font-family="sans-serif" role="img" aria-label="${escapeXml(caption)}">`
    + `<text x="4" y="14" font-size="12" font-weight="bold">${escapeXml(caption)}</text>${rows}</svg></div>`;
}

/** One arrow or point of a plane figure: from (x0, y0) (a point when absent) to (x, y). */
export interface PlaneMark {
  label: string;
  x: number;
  y: number;
  from?: [number, number];
  color?: string;
}

/**
 * Two-component vectors (a dModel-2 model's) as arrows and points in the plane, axes through 0 and a square
 * scale, so that a sum of vectors can be seen as arrows head to tail.
 */
export function planeFigure(caption: string, marks: readonly PlaneMark[]): string {
  const size = 300, pad = 24;
  const extent = Math.max(1e-9, ...marks.flatMap((m) => [m.x, m.y, ...(m.from ?? [])].map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)))) * 1.15;
  const px = (x: number) => pad + ((x + extent) / (2 * extent)) * size;
  const py = (y: number) => pad + ((extent - y) / (2 * extent)) * size;
  const axes = `<line x1="${pad}" y1="${py(0)}" x2="${pad + size}" y2="${py(0)}" stroke="#bbb"/><line x1="${px(0)}" y1="${pad}" x2="${px(0)}" y2="${pad + size}" stroke="#bbb"/>`
    + `<text x="${pad + size - 4}" y="${py(0) - 4}" text-anchor="end" font-size="10" fill="#777">component 0</text>`
    + `<text x="${px(0) + 4}" y="${pad + 10}" font-size="10" fill="#777">component 1</text>`
    + `<text x="${pad + size}" y="${py(0) + 12}" text-anchor="end" font-size="10" fill="#777">${formatNumber(extent)}</text>`;
  const drawn = marks.map((m) => {
    const c = m.color ?? "#08519c";
    const tip = `<circle cx="${px(m.x).toFixed(1)}" cy="${py(m.y).toFixed(1)}" r="3.5" fill="${c}"><title>${escapeXml(`${m.label}: (${formatNumber(m.x)}, ${formatNumber(m.y)})`)}</title></circle>`;
    const line = m.from ? `<line x1="${px(m.from[0]).toFixed(1)}" y1="${py(m.from[1]).toFixed(1)}" x2="${px(m.x).toFixed(1)}" y2="${py(m.y).toFixed(1)}" stroke="${c}" stroke-width="2"/>` : "";
    return `${line}${tip}<text x="${(px(m.x) + 6).toFixed(1)}" y="${(py(m.y) - 5).toFixed(1)}" font-size="11" fill="${c}">${escapeXml(m.label)}</text>`;
  }).join("");
  const w = size + 2 * pad + 80, h = size + 2 * pad + 14;
  return `<div class="picture"><svg class="plane" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" role="img" aria-label="${escapeXml(caption)}">`
    + `<text x="4" y="14" font-size="12" font-weight="bold">${escapeXml(caption)}</text><g transform="translate(0,10)">${axes}${drawn}</g></svg></div>`;
}
