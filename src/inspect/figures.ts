/** The figures the CLI draws (and the page can reuse): attention heatmaps of an inspection, the sinusoidal table. */
import { sinusoidalPositions } from "../nn/positional.js";
import { type Inspection, type LayerAttention, headWeights, meanOverHeads } from "./attention.js";
import { type Heatmap, heatmapGrid } from "./svg.js";

const KIND_TITLE = {
  encoder: "encoder self-attention",
  decoder: "decoder masked self-attention",
  cross: "cross-attention",
  self: "masked self-attention",
} as const;

export interface AttentionFigureOptions {
  /** Every layer and head of every kind; otherwise the attention nearest the output: the last layer's cross-attention (seq2seq) or self-attention. @default false */
  allLayers?: boolean;
  /** Document title. */
  title?: string;
}

/** Axis labels of one layer's map: queries are decoder positions (or encoder ones), keys the side attended to. */
function labels(ins: Inspection, a: LayerAttention): { rows: string[]; cols: string[]; rowAxis: string; colAxis: string } {
  switch (a.kind) {
    case "encoder":
      return { rows: ins.sourceTokens, cols: ins.sourceTokens, rowAxis: "source (query)", colAxis: "source (key)" };
    case "cross":
      return { rows: ins.targetTokens, cols: ins.sourceTokens, rowAxis: "decoder input (query)", colAxis: "source (key)" };
    default:
      return { rows: ins.targetTokens, cols: ins.targetTokens, rowAxis: "query", colAxis: "key" };
  }
}

function mapsOf(ins: Inspection, a: LayerAttention, withMean: boolean): Heatmap[] {
  const l = labels(ins, a);
  const base = { rowLabels: l.rows, colLabels: l.cols, rowAxis: l.rowAxis, colAxis: l.colAxis, scale: "sequential" as const, min: 0, max: 1 };
  const maps: Heatmap[] = Array.from({ length: a.heads }, (_, h) => ({
    ...base, title: `${KIND_TITLE[a.kind]}, layer ${a.layer + 1}, head ${h + 1}`, values: headWeights(a, h),
  }));
  if (withMean) maps.push({ ...base, title: `${KIND_TITLE[a.kind]}, layer ${a.layer + 1}, mean of heads`, values: meanOverHeads(a) });
  return maps;
}

/**
 * Attention heatmaps of an inspection, tokens on both axes, one map per head. By default the attention recorded
 * last, the one nearest the output (the last layer's cross-attention in seq2seq, its self-attention in
 * decoder_only), with the mean of its heads; with allLayers every layer's and head's maps of every kind (encoder
 * self, decoder masked self, cross), a row of heads per layer.
 */
export function attentionSvg(ins: Inspection, opts: AttentionFigureOptions = {}): string {
  let layers: LayerAttention[];
  if (opts.allLayers) {
    const order = ["encoder", "decoder", "cross", "self"];
    layers = [...ins.attention].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.layer - b.layer);
  } else {
    layers = ins.attention.slice(-1);
  }
  const withMean = !opts.allLayers;
  const perRow = layers[0].heads + (withMean ? 1 : 0);
  const maps = layers.flatMap((a) => mapsOf(ins, a, withMean));
  return heatmapGrid(opts.title ?? "attention weights (each row sums to 1)", maps, perRow);
}

/**
 * The sinusoidal position table of the paper (§3.5) as a heatmap, like the tutorials' figure: one row per
 * position, one column per dimension, a blue–white–red scale from -1 to 1.
 */
export function positionsSvg(dModel: number, length: number): string {
  const table = sinusoidalPositions(length, dModel); // (length, dModel)
  const values = Array.from({ length }, (_, p) => table.subarray(p * dModel, (p + 1) * dModel));
  return heatmapGrid(`sinusoidal positional encoding, d_model ${dModel}, ${length} positions`, [{
    title: "PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(…)",
    values, rowAxis: "position", colAxis: "dimension", scale: "diverging", min: -1, max: 1,
    cell: Math.max(1, Math.min(12, Math.floor(1000 / Math.max(dModel, length)))),
  }], 1);
}
