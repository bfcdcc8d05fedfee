/**
 * Section 3: the tokens, the position table, every layer's and head's attention, and the next-token
 * distribution at each step of the last translation.
 */
import type { Inspection, ModelSummary, NextToken, TokenView } from "../protocol.js";
import { attentionView } from "../ui/attention-view.js";
import { byId, el } from "../ui/dom.js";
import { weightLegend } from "../ui/heatmap.js";
import { drawPositions } from "../ui/positions.js";
import { renderTopTokens } from "../ui/top-tokens.js";

/** An inspection with what the page needs besides it: the translation, and a way to list next tokens at another temperature. */
export interface ShownInspection {
  ins: Inspection;
  /** The generated tokens: outIds[t] is what the search took at decoder position t. */
  outIds: number[];
  nextAt(temperature: number): Promise<NextToken[][]>;
}

export function tokenChip(t: TokenView): HTMLElement {
  const special = /^<\/?[a-z]+>$/.test(t.label);
  return el("span", { class: special ? "tok-chip special" : "tok-chip", title: `id ${t.id}`, "data-id": t.id, text: t.label });
}

export class InspectPanel {
  private readonly srcTokens = byId("src-tokens");
  private readonly outTokens = byId("out-tokens");
  private readonly layerSel = byId<HTMLSelectElement>("attn-layer");
  private readonly headSel = byId<HTMLSelectElement>("attn-head");
  private readonly stretch = byId<HTMLInputElement>("attn-stretch");
  private readonly attention = byId("attention");
  private readonly readout = byId("attn-readout");
  private readonly stepInput = byId<HTMLInputElement>("topk-step");
  private readonly stepLabel = byId("topk-step-label");
  private readonly tempInput = byId<HTMLInputElement>("temperature");
  private readonly tempValue = byId("temperature-value");
  private readonly topk = byId("topk");
  private readonly peDModel = byId<HTMLInputElement>("pe-dmodel");
  private readonly peLength = byId<HTMLInputElement>("pe-length");
  private shown: ShownInspection | null = null;
  /** The next-token lists and the temperature they are for. */
  private next: { temperature: number; lists: NextToken[][] } | null = null;
  private fetching = false;

  constructor() {
    const redrawPe = () => this.drawPositions();
    this.peDModel.addEventListener("input", redrawPe);
    this.peLength.addEventListener("input", redrawPe);
    this.drawPositions();
    this.layerSel.addEventListener("change", () => this.drawAttention());
    this.headSel.addEventListener("change", () => this.drawAttention());
    this.stretch.addEventListener("change", () => this.drawAttention());
    this.stepInput.addEventListener("input", () => this.drawTop());
    this.tempInput.addEventListener("input", () => void this.refetchTop());
    this.attention.append(el("p", { class: "hint", text: "No translation yet." }));
  }

  setModel(s: ModelSummary): void {
    this.shown = null;
    this.next = null;
    this.peDModel.value = String(s.dModel);
    this.drawPositions();
    const layers = Math.max(s.encoderLayers, s.decoderLayers);
    this.layerSel.replaceChildren(...Array.from({ length: layers }, (_, i) => el("option", { value: i, text: String(i + 1) })),
      el("option", { value: "all", text: "all" }));
    this.headSel.replaceChildren(el("option", { value: "all", text: "all" }),
      ...Array.from({ length: s.numHeads }, (_, i) => el("option", { value: i, text: String(i + 1) })));
    this.srcTokens.replaceChildren();
    this.outTokens.replaceChildren();
    this.attention.replaceChildren(el("p", { class: "hint", text: "No translation yet." }));
    this.topk.replaceChildren();
  }

  showSource(tokens: TokenView[]): void {
    this.srcTokens.replaceChildren(...tokens.map(tokenChip));
  }

  clearOutput(): void {
    this.outTokens.replaceChildren();
  }

  appendOutput(t: TokenView): void {
    this.outTokens.append(tokenChip(t));
  }

  setOutput(tokens: TokenView[]): void {
    this.outTokens.replaceChildren(...tokens.map(tokenChip));
  }

  /** The temperature the next-token lists are asked for. */
  get temperature(): number {
    return Number(this.tempInput.value);
  }

  show(shown: ShownInspection): void {
    this.shown = shown;
    this.next = { temperature: shown.ins.temperature, lists: shown.ins.next };
    this.stepInput.max = String(Math.max(0, shown.ins.targetIds.length - 1));
    this.stepInput.value = "0";
    this.drawAttention();
    this.drawTop();
    void this.refetchTop();
  }

  /** Asks the worker for the lists at the slider's temperature; one request at a time, the latest value wins. */
  private async refetchTop(): Promise<void> {
    this.tempValue.textContent = this.temperature.toFixed(2);
    const shown = this.shown;
    if (!shown || this.fetching || this.next?.temperature === this.temperature) return;
    this.fetching = true;
    try {
      const temperature = this.temperature;
      const lists = await shown.nextAt(temperature);
      if (this.shown === shown) {
        this.next = { temperature, lists };
        this.drawTop();
      }
    } catch (e) {
      this.stepLabel.textContent = `could not list next tokens: ${e instanceof Error ? e.message : String(e)}`;
      return;
    } finally {
      this.fetching = false;
    }
    if (this.shown === shown && this.next?.temperature !== this.temperature) await this.refetchTop();
  }

  private drawPositions(): void {
    const d = clampInt(this.peDModel.value, 2, 1024, 64);
    const n = clampInt(this.peLength.value, 1, 1000, 50);
    drawPositions(byId<HTMLCanvasElement>("pe-canvas"), byId("pe-readout"), { dModel: d, length: n });
  }

  private drawAttention(): void {
    const ins = this.shown?.ins;
    if (!ins) return;
    const layer = this.layerSel.value === "all" ? "all" : Number(this.layerSel.value || 0);
    const head = this.headSel.value === "all" || this.headSel.value === "" ? "all" : Number(this.headSel.value);
    const hint = "Point at a cell to read its weight.";
    this.readout.textContent = hint;
    const stretch = this.stretch.checked;
    const view = attentionView(ins, { layer, head, stretch }, (text) => {
      this.readout.textContent = text ?? hint;
    });
    this.attention.replaceChildren(weightLegend(stretch), view);
    this.attention.dataset.ready = "1";
  }

  private drawTop(): void {
    const shown = this.shown;
    const next = this.next;
    if (!shown || !next) return;
    const targets = shown.ins.targetTokens;
    if (targets.length === 0) {
      this.stepLabel.textContent = "an encoder-only model predicts no next token";
      this.topk.replaceChildren();
      return;
    }
    const t = Math.min(targets.length - 1, Number(this.stepInput.value));
    this.stepLabel.textContent = `${t + 1} of ${targets.length}: after “${targets.slice(0, t + 1).join(" ")}”`;
    renderTopTokens(this.topk, next.lists[t] ?? [], shown.outIds[t] ?? -1);
    this.topk.dataset.temperature = String(next.temperature);
    this.topk.dataset.step = String(t);
  }
}

function clampInt(v: string, lo: number, hi: number, dflt: number): number {
  const n = Math.round(Number(v));
  return Number.isFinite(n) && v !== "" ? Math.min(hi, Math.max(lo, n)) : dflt;
}
