/**
 * Heatmaps as SVG text, written by hand (no dependency, browser-safe): one rect per cell, labels on both
 * axes, a colour legend and a title. Every label goes through escapeXml.
 */

/** Text made safe for XML content and attributes; characters XML 1.0 forbids become U+FFFD. */
export function escapeXml(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&apos;";
    else if ((c < 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd) || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) out += "\uFFFD";
    else out += ch;
  }
  return out;
}

export type ColorScale = "sequential" | "diverging";

type Rgb = [number, number, number];
// sequential: white → deep blue (attention weights, 0..1); diverging: blue → white → red (values around 0)
const SEQUENTIAL: Rgb[] = [[255, 255, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];
const DIVERGING: Rgb[] = [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]];

/** The colour of v on a scale from min to max, as #rrggbb. */
export function colorAt(v: number, min: number, max: number, scale: ColorScale): string {
  const stops = scale === "sequential" ? SEQUENTIAL : DIVERGING;
  let u = max > min ? (v - min) / (max - min) : 0.5;
  u = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0));
  const x = u * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const hex = (k: number) => Math.round(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])).toString(16).padStart(2, "0");
  return `#${hex(0)}${hex(1)}${hex(2)}`;
}

export interface Heatmap {
  title: string;
  /** values[r][c]. */
  values: ArrayLike<ArrayLike<number>>;
  /** One per row (drawn on the left), or undefined for tick numbers only. */
  rowLabels?: string[];
  /** One per column (drawn on top, rotated). */
  colLabels?: string[];
  /** Axis names. */
  rowAxis?: string;
  colAxis?: string;
  scale?: ColorScale;
  /** Colour range. @default sequential: 0..max(values, 1e-9); diverging: symmetric around 0 */
  min?: number;
  max?: number;
  /** Cell size in px. @default chosen from the matrix size */
  cell?: number;
}

const FONT = 11;
const MAX_CELL_TITLES = 10_000;
const CHAR_W = 6.2; // approximate width of a character at FONT px

function fmt(x: number): string {
  return Number(x.toFixed(2)).toString();
}

function labelWidth(labels: string[] | undefined, rows: number): number {
  const longest = labels ? Math.max(0, ...labels.map((l) => [...l].length)) : String(rows).length;
  return Math.min(160, Math.ceil(longest * CHAR_W) + 8);
}

/** Every `step`-th index gets a tick label when there are no per-cell labels. */
function tickStep(n: number): number {
  for (const s of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) if (n / s <= 20) return s;
  return Math.ceil(n / 20);
}

/** Draws one heatmap at (x, y); returns its SVG and size. */
export function drawHeatmap(h: Heatmap, x = 0, y = 0): { svg: string; width: number; height: number } {
  const R = h.values.length;
  const C = R ? h.values[0].length : 0;
  const scale = h.scale ?? "sequential";
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const v = h.values[r][c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  let min = h.min;
  let max = h.max;
  if (scale === "diverging") {
    const m = Math.max(Math.abs(lo), Math.abs(hi), 1e-9);
    min ??= -m;
    max ??= m;
  } else {
    min ??= 0;
    max ??= Math.max(hi, 1e-9);
  }
  const cell = h.cell ?? Math.max(2, Math.min(24, Math.floor(640 / Math.max(R, C, 1))));
  const left = labelWidth(h.rowLabels, R) + (h.rowAxis ? FONT + 6 : 0);
  const longestCol = h.colLabels ? Math.max(0, ...h.colLabels.map((l) => [...l].length)) : String(C).length;
  const topLabels = Math.min(160, Math.ceil(longestCol * CHAR_W * 0.87) + 10); // labels rotated by 60°
  const top = FONT + 10 + (h.colAxis ? FONT + 6 : 0) + topLabels;
  const gridW = C * cell;
  const gridH = R * cell;
  const legendW = 60;
  const width = Math.max(left + gridW + 16 + legendW, [...h.title].length * (CHAR_W + 0.8) + 10);
  const height = Math.max(top + gridH, top + 120) + 10;
  const gx = x + left;
  const gy = y + top;
  const parts: string[] = [`<g class="heatmap">`];
  parts.push(`<text class="title" x="${x + 2}" y="${y + FONT + 2}" font-size="${FONT + 1}" font-weight="bold">${escapeXml(h.title)}</text>`);
  if (h.colAxis) parts.push(`<text class="axis-name" x="${gx + gridW / 2}" y="${y + 2 * FONT + 12}" font-size="${FONT}" text-anchor="middle">${escapeXml(h.colAxis)}</text>`);
  if (h.rowAxis) {
    const cy = gy + gridH / 2;
    parts.push(`<text class="axis-name" x="${x + FONT}" y="${cy}" font-size="${FONT}" text-anchor="middle" transform="rotate(-90 ${x + FONT} ${cy})">${escapeXml(h.rowAxis)}</text>`);
  }
  // column labels, rotated to read upwards, centred on their column
  const colStep = h.colLabels ? 1 : tickStep(C);
  for (let c = 0; c < C; c += colStep) {
    const label = h.colLabels ? h.colLabels[c] : String(c);
    const cx = gx + c * cell + cell / 2;
    parts.push(`<text class="col-label" x="${cx}" y="${gy - 4}" font-size="${FONT}" transform="rotate(-60 ${cx} ${gy - 4})">${escapeXml(label)}</text>`);
  }
  const rowStep = h.rowLabels ? 1 : tickStep(R);
  for (let r = 0; r < R; r += rowStep) {
    const label = h.rowLabels ? h.rowLabels[r] : String(r);
    parts.push(`<text class="row-label" x="${gx - 4}" y="${gy + r * cell + cell / 2 + FONT / 3}" font-size="${FONT}" text-anchor="end">${escapeXml(label)}</text>`);
  }
  const titles = R * C <= MAX_CELL_TITLES; // hover values, left out of very large maps to keep the file small
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const v = h.values[r][c];
      const rect = `<rect class="cell" x="${gx + c * cell}" y="${gy + r * cell}" width="${cell}" height="${cell}" fill="${colorAt(v, min, max, scale)}"`;
      parts.push(titles ? `${rect}><title>${fmt(v)}</title></rect>` : `${rect}/>`);
    }
  }
  parts.push(`<rect x="${gx}" y="${gy}" width="${gridW}" height="${gridH}" fill="none" stroke="#999" stroke-width="0.5"/>`);
  parts.push(drawLegend(gx + gridW + 16, gy, Math.max(gridH, 100), min, max, scale));
  parts.push(`</g>`);
  return { svg: parts.join("\n"), width, height };
}

let gradientCount = 0;

/** A vertical colour bar from min (bottom) to max (top) with three value ticks. */
function drawLegend(x: number, y: number, height: number, min: number, max: number, scale: ColorScale): string {
  const id = `scale${gradientCount++}`;
  const stops = Array.from({ length: 11 }, (_, i) => {
    const u = i / 10;
    return `<stop offset="${u}" stop-color="${colorAt(max - u * (max - min), min, max, scale)}"/>`;
  });
  const parts = [
    `<g class="legend">`,
    `<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">${stops.join("")}</linearGradient></defs>`,
    `<rect x="${x}" y="${y}" width="12" height="${height}" fill="url(#${id})" stroke="#999" stroke-width="0.5"/>`,
  ];
  for (const [v, ty] of [[max, y + FONT / 2], [(min + max) / 2, y + height / 2 + FONT / 3], [min, y + height]] as const) {
    parts.push(`<text class="legend-label" x="${x + 16}" y="${ty}" font-size="${FONT - 1}">${fmt(v)}</text>`);
  }
  parts.push(`</g>`);
  return parts.join("\n");
}

/** Heatmaps laid out in rows of `perRow`, under a document title: a complete SVG document. */
export function heatmapGrid(title: string, maps: Heatmap[], perRow: number): string {
  gradientCount = 0;
  const drawn: string[] = [];
  let y = 30;
  let width = 0;
  for (let i = 0; i < maps.length; i += perRow) {
    let x = 10;
    let rowH = 0;
    for (const m of maps.slice(i, i + perRow)) {
      const d = drawHeatmap(m, x, y);
      drawn.push(d.svg);
      x += d.width + 20;
      rowH = Math.max(rowH, d.height);
    }
    width = Math.max(width, x);
    y += rowH + 20;
  }
  return svgDocument(Math.max(width, 300), y, `<text class="doc-title" x="10" y="20" font-size="${FONT + 4}" font-weight="bold">${escapeXml(title)}</text>\n${drawn.join("\n")}`);
}

export function svgDocument(width: number, height: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${body}
</svg>
`;
}
