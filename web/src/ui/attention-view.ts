/**
 * The three kinds of attention of an encoder-decoder: the encoder's self-attention, the decoder's masked
 * self-attention and the decoder's cross-attention over the source (and a decoder-only model's causal
 * self-attention); one heatmap per selected layer and head.
 */
import type { AttentionKind } from "../../../src/inspect/index.js";
import type { Inspection } from "../protocol.js";
import { el } from "./dom.js";
import { heatmap } from "./heatmap.js";

const KINDS: { kind: AttentionKind; title: string; what: string }[] = [
  { kind: "encoder", title: "Encoder self-attention", what: "each source token attends to every source token" },
  { kind: "decoder", title: "Decoder masked self-attention", what: "each decoder position attends to itself and earlier ones" },
  { kind: "cross", title: "Cross-attention (decoder → encoder)", what: "each decoder position attends to the source" },
  { kind: "self", title: "Causal self-attention", what: "each position of a decoder-only model attends to itself and earlier ones" },
];

export interface AttentionSelection {
  /** A layer (0-based), or "all". */
  layer: number | "all";
  /** A head (0-based), or "all". */
  head: number | "all";
  kinds?: AttentionKind[];
  /** Colour each map from 0 to its own largest weight instead of 0 to 1. */
  stretch?: boolean;
}

/** Heatmaps of the selected layers and heads; `onHover` receives the readout of the cell under the pointer. */
export function attentionView(ins: Inspection, sel: AttentionSelection, onHover: (text: string | null) => void): HTMLElement {
  const root = el("div", { class: "attention-view" });
  for (const { kind, title, what } of KINDS) {
    if (sel.kinds && !sel.kinds.includes(kind)) continue;
    const layers = ins.attention.filter((a) => a.kind === kind && (sel.layer === "all" || a.layer === sel.layer));
    if (layers.length === 0) continue;
    const rows = kind === "encoder" ? ins.sourceTokens : ins.targetTokens;
    const cols = kind === "decoder" || kind === "self" ? ins.targetTokens : ins.sourceTokens;
    const rowAxis = kind === "encoder" ? "source token" : "decoder input";
    const colAxis = kind === "decoder" || kind === "self" ? "decoder input" : "source token";
    const size = rows.length * cols.length;
    const grid = el("div", { class: "heatmap-grid" });
    for (const a of layers) {
      const heads = sel.head === "all" ? Array.from({ length: a.heads }, (_, i) => i) : [sel.head];
      for (const head of heads) {
        const offset = head * size; // a.weights is (heads, rows, cols)
        let max = 0;
        for (let k = 0; k < size; k++) max = Math.max(max, a.weights[offset + k]);
        grid.append(heatmap({
          title: `${title.split(" (")[0]} · layer ${a.layer + 1} · head ${head + 1}`,
          rows, cols, values: a.weights, offset, rowAxis, colAxis, scaleMax: sel.stretch && max > 0 ? max : 1,
        }, onHover));
      }
    }
    root.append(el("div", { class: `attention-block attention-${kind}`, "data-kind": kind },
      el("h4", { text: title }), el("p", { class: "hint", text: `${what} (${rows.length} × ${cols.length}).` }), grid));
  }
  return root;
}
