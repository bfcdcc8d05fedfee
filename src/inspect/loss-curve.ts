import { escapeXml } from "./svg.js";

/** Points of a loss curve: (step, loss). */
export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The loss curves of a run as a standalone SVG (train and validation loss against the step). */
export function lossCurveSvg(series: Series[], title: string): string {
  const W = 720, H = 420, L = 64, R = 20, T = 40, B = 50;
  const all = series.flatMap((s) => s.points);
  const maxStep = Math.max(1, ...all.map((p) => p[0]));
  const losses = all.map((p) => p[1]).filter(Number.isFinite);
  const lo = losses.length ? Math.min(...losses) : 0;
  const hi = losses.length ? Math.max(...losses) : 1;
  const pad = (hi - lo) * 0.05 || 0.5;
  const y0 = Math.max(0, lo - pad), y1 = hi + pad;
  const x = (s: number) => L + ((W - L - R) * s) / maxStep;
  const y = (v: number) => T + ((H - T - B) * (y1 - v)) / (y1 - y0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  for (const v of ticks(y0, y1, 6)) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (const s of ticks(0, maxStep, 8)) {
    parts.push(`<line x1="${x(s)}" x2="${x(s)}" y1="${H - B}" y2="${H - B + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x(s)}" y="${H - B + 18}" text-anchor="middle">${s}</text>`);
  }
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">step</text>`);
  parts.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">loss (nats/token)</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.5" points="${pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ")}"/>`);
    for (const p of pts.length <= 40 ? pts : []) parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${escapeXml(s.color)}"/>`);
    parts.push(`<rect x="${W - R - 150}" y="${T + 6 + 18 * i}" width="12" height="12" fill="${escapeXml(s.color)}"/><text x="${W - R - 132}" y="${T + 16 + 18 * i}">${escapeXml(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
