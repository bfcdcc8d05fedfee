/**
 * The sinusoidal position table of the paper (§3.5) as a heatmap on a canvas: one row per position, one column
 * per dimension, −1 blue … +1 red. The value under the pointer is reported with its formula.
 */
import { sinusoidalPositions } from "../../../src/nn/positional.js";
import { rgbAt } from "./colors.js";
import { fmt } from "./dom.js";

const MARGIN = { left: 44, top: 22, right: 8, bottom: 30 };
const MAX_WIDTH = 720;
const MAX_HEIGHT = 420;

export interface PositionView {
  dModel: number;
  length: number;
}

/** Draws the table into `canvas`, and reports the cell under the pointer to `readout`. */
export function drawPositions(canvas: HTMLCanvasElement, readout: HTMLElement, view: PositionView): void {
  const { dModel, length } = view;
  const table = sinusoidalPositions(length, dModel); // (length, dModel)
  const cw = Math.max(1, Math.min(12, Math.floor(MAX_WIDTH / dModel)));
  const ch = Math.max(1, Math.min(12, Math.floor(MAX_HEIGHT / length)));
  const plotW = cw * dModel;
  const plotH = ch * length;
  canvas.width = MARGIN.left + plotW + MARGIN.right;
  canvas.height = MARGIN.top + plotH + MARGIN.bottom;
  canvas.dataset.dModel = String(dModel);
  canvas.dataset.length = String(length);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const img = ctx.createImageData(plotW, plotH);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < dModel; i++) {
      const [r, g, b] = rgbAt(table[pos * dModel + i], -1, 1, "diverging");
      for (let y = pos * ch; y < (pos + 1) * ch; y++) {
        for (let x = i * cw; x < (i + 1) * cw; x++) {
          const o = 4 * (y * plotW + x);
          img.data[o] = r;
          img.data[o + 1] = g;
          img.data[o + 2] = b;
          img.data[o + 3] = 255;
        }
      }
    }
  }
  ctx.putImageData(img, MARGIN.left, MARGIN.top);
  ctx.strokeStyle = "#999";
  ctx.strokeRect(MARGIN.left - 0.5, MARGIN.top - 0.5, plotW + 1, plotH + 1);

  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(`dimension i (0 … ${dModel - 1}): even = sin, odd = cos`, MARGIN.left + plotW / 2, canvas.height - 4);
  for (const i of ticks(dModel)) ctx.fillText(String(i), MARGIN.left + i * cw + cw / 2, MARGIN.top - 6);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const p of ticks(length)) ctx.fillText(String(p), MARGIN.left - 6, MARGIN.top + p * ch + ch / 2);
  ctx.save();
  ctx.translate(10, MARGIN.top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.fillText("position", 0, 0);
  ctx.restore();

  canvas.onmousemove = (e) => {
    const rect = canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left) * (canvas.width / rect.width) - MARGIN.left;
    const y = (e.clientY - rect.top) * (canvas.height / rect.height) - MARGIN.top;
    const i = Math.floor(x / cw);
    const pos = Math.floor(y / ch);
    if (i < 0 || i >= dModel || pos < 0 || pos >= length) {
      readout.textContent = "Point at the table to read a value.";
      return;
    }
    const pair = 2 * Math.floor(i / 2);
    const fn = i % 2 === 0 ? "sin" : "cos";
    readout.textContent = `PE[pos ${pos}, dim ${i}] = ${fn}(${pos} / 10000^(${pair}/${dModel})) = ${fmt(table[pos * dModel + i], 4)}` +
      ` (wavelength ${fmt(2 * Math.PI * Math.pow(10000, pair / dModel), 4)} positions)`;
  };
}

/** About six round tick positions in [0, n). */
function ticks(n: number): number[] {
  const raw = n / 6;
  const mag = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = 0; v < n; v += step) out.push(v);
  return out;
}
