/**
 * The small pictures of the walk (src/inspect/explain-html.ts) beside its numbers: the weights of one head,
 * and bars for a probability distribution. Inline SVG, no dependency, browser-safe.
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
  const width = left + (values[0]?.length ?? 0) * cell + 20, height = top + values.length * cell + 10;
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
