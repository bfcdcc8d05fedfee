/**
 * Pieces of self-contained HTML written by hand (browser-safe, no assets): numbers as small tables whose cells
 * carry the exact value in their title, long vectors as their first components and a colour strip, and a page of
 * steps walked with next/previous buttons and the arrow keys. Every text goes through escapeXml.
 */
import { colorAt, escapeXml } from "./svg.js";

/** Components of a long vector shown as numbers; the strip shows all of them. */
export const SHOWN_COMPONENTS = 8;

/** A number as the tables show it: 3 decimals, or 3 significant digits in exponent form when very small or large. */
export function formatNumber(x: number): string {
  if (x === -Infinity) return "−∞";
  if (x === Infinity) return "∞";
  if (Number.isNaN(x)) return "NaN";
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return x.toExponential(2).replace(/-/g, "−");
  return x.toFixed(3).replace(/-/g, "−");
}

/** A number as the JSON record writes it (9 significant digits: a float32 exactly), for a cell's title. */
export function exactNumber(x: number): string {
  return Number.isFinite(x) ? String(Number.isInteger(x) ? x : Number(x.toPrecision(9))) : String(x);
}

/** One table cell holding x; the title is the exact value. */
export function numberCell(x: number, cls = ""): string {
  const all = [cls, x === 0 ? "zero" : ""].filter(Boolean).join(" "); // a ReLU's zeros, masked weights: greyed
  return `<td class="num${all ? ` ${all}` : ""}" title="${exactNumber(x)}">${formatNumber(x)}</td>`;
}

/** Colour levels of a strip: components are drawn in the colour of the nearest of these, one path per level. */
const STRIP_LEVELS = 33;

/**
 * Every component of v as a strip of coloured cells, blue below 0 and red above, on ±max|v| (or ±range): one
 * path per colour level, adjacent cells of one level merged, so that a 1,024-wide vector stays a few kilobytes.
 */
export function colorStrip(v: readonly number[], range?: number): string {
  const n = v.length;
  const max = range ?? Math.max(1e-9, ...v.map((x) => (Number.isFinite(x) ? Math.abs(x) : 0)));
  const w = Math.max(1, Math.min(6, Math.floor(384 / Math.max(1, n))));
  const half = (STRIP_LEVELS - 1) / 2;
  const level = (x: number) => Math.round(half + half * Math.max(-1, Math.min(1, Number.isFinite(x) ? x / max : Math.sign(x))));
  const runs = new Map<number, string>();
  for (let i = 0; i < n; ) {
    const l = level(v[i]);
    let j = i + 1;
    while (j < n && level(v[j]) === l) j++;
    runs.set(l, (runs.get(l) ?? "") + `M${i * w} 0h${(j - i) * w}v14h-${(j - i) * w}z`);
    i = j;
  }
  const paths = [...runs].map(([l, d]) => `<path fill="${colorAt(l - half, -half, half, "diverging")}" d="${d}"/>`).join("");
  return `<svg class="strip" width="${n * w}" height="14" viewBox="0 0 ${n * w} 14" role="img" aria-label="${n} components, colour scale ±${formatNumber(max)}">${paths}</svg>`;
}

/**
 * A table of vectors, one row each: its label, its first SHOWN_COMPONENTS components as numbers, the count of
 * the rest, and its colour strip.
 */
export function vectorTable(rows: readonly { label: string; values: readonly number[]; cls?: string; key?: string }[], opts: { first?: number; caption?: string; strip?: boolean } = {}): string {
  const first = opts.first ?? SHOWN_COMPONENTS;
  const width = Math.max(0, ...rows.map((r) => Math.min(first, r.values.length)));
  const head = `<tr><th></th>${Array.from({ length: width }, (_, j) => `<th>${j}</th>`).join("")}<th></th><th>all components</th></tr>`;
  const body = rows.map((r) => {
    const shown = r.values.slice(0, first).map((x) => numberCell(x)).join("");
    const pad = "<td></td>".repeat(width - Math.min(first, r.values.length));
    const more = r.values.length > first ? `<td class="more">… ${r.values.length - first} more</td>` : "<td></td>";
    return `<tr${r.cls ? ` class="${r.cls}"` : ""}${dataKey(r.key)}><th class="label">${escapeXml(r.label)}</th>${shown}${pad}${more}<td>${opts.strip === false ? "" : colorStrip(r.values)}</td></tr>`;
  }).join("\n");
  return table(head, body, opts.caption);
}

/** A matrix with labelled rows and columns, every cell a number (or a string, shown as it is). */
export function matrixTable(rows: readonly (readonly (number | string)[])[], rowLabels: readonly string[], colLabels: readonly string[], opts: { caption?: string; cellClass?: (r: number, c: number) => string; rowKeys?: readonly string[] } = {}): string {
  const head = `<tr><th></th>${colLabels.map((l) => `<th>${escapeXml(l)}</th>`).join("")}</tr>`;
  const body = rows.map((row, r) =>
    `<tr${dataKey(opts.rowKeys?.[r])}><th class="label">${escapeXml(rowLabels[r] ?? String(r))}</th>${row.map((x, c) => {
      const cls = opts.cellClass?.(r, c) ?? "";
      return typeof x === "number" ? numberCell(x, cls) : `<td class="sym${cls ? ` ${cls}` : ""}">${escapeXml(x)}</td>`;
    }).join("")}</tr>`).join("\n");
  return table(head, body, opts.caption);
}

/** ` data-key="…"`: what a row holds, for a page or a test to find its numbers (absent: nothing). */
function dataKey(key: string | undefined): string {
  return key === undefined ? "" : ` data-key="${escapeXml(key)}"`;
}

function table(head: string, body: string, caption?: string): string {
  return `<div class="scroll"><table>${caption ? `<caption>${escapeXml(caption)}</caption>` : ""}<thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** One step of a walk: a title and its HTML body (already escaped). */
export interface WalkStep {
  id: string;
  title: string;
  body: string;
}

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
header, main, nav { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header h1 { font-size: 1.3rem; margin: 1rem 0 0.2rem; }
nav { position: sticky; top: 0; background: #fafafa; padding: 0.5rem 1rem; border-bottom: 1px solid #ddd; display: flex; gap: 0.5rem; align-items: center; }
nav button { font: inherit; padding: 0.2rem 0.8rem; }
nav select { font: inherit; max-width: 30rem; }
section.step { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem 1rem 1rem; margin: 1rem 0; }
.js section.step { display: none; }
.js section.step.current { display: block; }
h2 { font-size: 1.15rem; }
.scroll { overflow-x: auto; margin: 0.5rem 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0; white-space: nowrap; } /* a narrow table (a 3×3 mask) keeps its caption on one line */
th, td { padding: 0.1rem 0.45rem; border-bottom: 1px solid #eee; white-space: nowrap; }
th { font-weight: 500; color: #555; }
th.label { text-align: left; color: #1a1a1a; }
td.num { text-align: right; font-family: ui-monospace, monospace; font-size: 0.85rem; }
td.sym { text-align: right; font-family: ui-monospace, monospace; font-size: 0.85rem; } /* −∞, 0 of a mask: aligned as the numbers above */
td.more { color: #888; font-size: 0.8rem; }
td.masked { background: #eee; color: #888; }
td.focus, tr.focus th.label { background: #fff3c4; }
tr.new th.label { color: #a33; }
td.kept { color: #060; font-weight: 600; }
svg.strip { display: block; }
td.zero { color: #aaa; }
.picture { margin: 0.5rem 0; overflow-x: auto; }
.tok-chip { font-family: ui-monospace, monospace; padding: 1px 5px; border: 1px solid #c6dbef; border-radius: 3px; background: #eff3ff; }
.tok-chip.focus { background: #fff3c4; }
code { font-family: ui-monospace, monospace; font-size: 0.9em; }
p.note { color: #555; font-size: 0.9rem; }
`;

// Walks the steps: one shown at a time (all of them without JavaScript), ← and → or the buttons to move, the
// step's id in the address so that a link opens it.
const SCRIPT = `
document.documentElement.classList.add("js");
const steps = Array.from(document.querySelectorAll("section.step"));
const prev = document.getElementById("prev"), next = document.getElementById("next"), pick = document.getElementById("pick");
let at = Math.max(0, steps.findIndex((s) => "#" + s.id === location.hash));
function show(i) {
  at = Math.min(steps.length - 1, Math.max(0, i));
  steps.forEach((s, j) => s.classList.toggle("current", j === at));
  prev.disabled = at === 0;
  next.disabled = at === steps.length - 1;
  pick.value = steps[at].id;
  history.replaceState(null, "", "#" + steps[at].id);
}
prev.addEventListener("click", () => show(at - 1));
next.addEventListener("click", () => show(at + 1));
pick.addEventListener("change", () => show(steps.findIndex((s) => s.id === pick.value)));
document.addEventListener("keydown", (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || e.target instanceof HTMLSelectElement) return;
  if (e.key === "ArrowRight") { show(at + 1); e.preventDefault(); }
  if (e.key === "ArrowLeft") { show(at - 1); e.preventDefault(); }
});
show(at);
`;

/** A whole page: a title, a line under it, and the steps with their navigation. No external assets. */
export function walkPage(title: string, subtitle: string, steps: readonly WalkStep[]): string {
  const options = steps.map((s, i) => `<option value="${escapeXml(s.id)}">${i + 1}. ${escapeXml(s.title)}</option>`).join("");
  const sections = steps.map((s, i) => `<section class="step" id="${escapeXml(s.id)}">\n<h2>${i + 1}. ${escapeXml(s.title)}</h2>\n${s.body}\n</section>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeXml(title)}</h1><p>${escapeXml(subtitle)}</p></header>
<nav><button id="prev" type="button" aria-label="previous step">← previous</button><select id="pick" aria-label="step">${options}</select><button id="next" type="button" aria-label="next step">next →</button><span class="note">arrow keys move too</span></nav>
<main>
${sections}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
