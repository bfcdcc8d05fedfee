/**
 * Section 2: translate with greedy or beam search, each token shown as the worker chooses it; beside it, the loaded
 * model's scores from its card, and a warning when the input was longer than the model reads.
 */
import type { ModelApi, ModelSummary, SearchKind } from "../protocol.js";
import type { WorkerClient } from "../rpc.js";
import { describeScores } from "../scores.js";
import { byId, el } from "../ui/dom.js";
import type { InspectPanel } from "./inspect.js";
import type { CheckpointOrigin } from "./checkpoint.js";

export interface TranslateSection {
  /** A model was loaded: translation can start, and its scores (if its folder had them) are shown. */
  setModel(s: ModelSummary, origin: CheckpointOrigin): void;
}

/** Says how the model did on its test set, from scores.json; nothing when the model came without one. */
function showScores(line: HTMLElement, s: ModelSummary, origin: CheckpointOrigin): void {
  line.className = "note";
  if (s.scores) {
    line.textContent = describeScores(s.scores, origin === "shipped" ? "Shipped model" : "Picked model");
    line.dataset.state = "shown";
  } else if (s.scoresError) {
    line.textContent = `Scores not shown: ${s.scoresError}`;
    line.className = "note error";
    line.dataset.state = "error";
  } else {
    line.textContent = "";
    line.dataset.state = "none";
  }
  line.hidden = line.dataset.state === "none";
}

export function setupTranslate(model: WorkerClient<ModelApi>, panel: InspectPanel): TranslateSection {
  const button = byId<HTMLButtonElement>("translate");
  const text = byId<HTMLTextAreaElement>("src-text");
  const strategy = byId<HTMLSelectElement>("strategy");
  const beams = byId<HTMLInputElement>("beams");
  const output = byId("output");
  const status = byId("translate-status");
  const warning = byId("translate-warning");
  const scores = byId("model-scores");
  let loaded = false;
  let busy = false;
  const refresh = () => {
    button.disabled = !loaded || busy;
    beams.disabled = strategy.value !== "beam";
  };
  strategy.addEventListener("change", refresh);
  refresh();

  /** Empties the output, its status and the cut-input warning: before a translation, and when another model loads. */
  const clear = () => {
    output.replaceChildren();
    output.className = "output";
    for (const k of ["state", "ids", "streamed"]) delete output.dataset[k];
    status.className = "status";
    status.textContent = "";
    warning.hidden = true;
    warning.textContent = "";
    delete warning.dataset.inputTokens;
  };

  const run = async () => {
    busy = true;
    refresh();
    clear();
    output.dataset.state = "running";
    panel.clearOutput();
    status.textContent = "Translating…";
    const kind = strategy.value as SearchKind;
    const numBeams = Math.min(16, Math.max(1, Math.round(Number(beams.value)) || 4));
    let shown = 0;
    try {
      const r = await model.call("translate", { text: text.value, strategy: kind, numBeams }, (e) => {
        if (e.type === "source") {
          panel.showSource(e.tokens);
          if (e.inputTokens > e.tokens.length) {
            warning.textContent = `Input is ${e.inputTokens.toLocaleString("en")} tokens; the model reads at most ${e.maxLen} — the rest was cut.`;
            warning.dataset.inputTokens = String(e.inputTokens);
            warning.hidden = false;
          }
        } else if (e.type === "token") {
          shown++;
          if (e.text) output.append(el("span", { class: "piece", text: e.text }));
          panel.appendOutput(e.token);
          output.dataset.streamed = String(shown);
        } else {
          output.className = "output provisional";
          output.textContent = e.text;
          panel.setOutput(e.tokens);
          status.textContent = `Beam search, step ${e.step}: the best live hypothesis so far is shown.`;
        }
      });
      output.className = "output";
      output.textContent = r.text;
      output.dataset.ids = r.outIds.join(",");
      output.dataset.state = "done";
      panel.setOutput(r.tokens);
      const secs = r.ms / 1000;
      status.textContent = `${r.outIds.length} tokens in ${r.ms.toFixed(0)} ms (${(r.outIds.length / secs).toFixed(1)} tokens/s), ` +
        `${kind === "beam" ? `beam search with ${numBeams} beams${r.beamConvention === "huggingface" ? " (transformers' length convention: |Y|^α, its early stop)" : ""}` : "greedy search"}; stopped by ${r.finish === "eos" ? "the end-of-sentence token" : r.finish === "length" ? "the length limit (source + 50)" : "max_len"}.`;
      const ask = (temperature: number) => ({ srcIds: r.srcIds, outIds: r.outIds, temperature });
      const ins = await model.call("inspect", ask(panel.temperature));
      panel.show({ ins, outIds: r.outIds, nextAt: (temperature) => model.call("nextTokens", ask(temperature)) });
    } catch (e) {
      output.dataset.state = "error";
      status.className = "status error";
      status.textContent = `Translation failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      busy = false;
      refresh();
    }
  };
  button.addEventListener("click", () => void run());
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !button.disabled) void run();
  });

  return {
    setModel(s, origin) {
      showScores(scores, s, origin);
      loaded = s.task === "translate";
      clear();
      status.textContent = loaded ? "" : `The loaded model is ${s.architecture}${s.huggingFace ? ` (${s.huggingFace})` : ""}: it does not translate; run it in section 2b.`;
      refresh();
    },
  };
}
