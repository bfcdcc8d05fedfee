/**
 * Section 5: learn it by watching it. One sentence followed through the loaded model (or the notes' toy, trained
 * here in seconds), one step per screen, in the tutorial's order. Every number is the library's: the worker runs
 * explainSeq2Seq, the library's explainSteps renders the steps, and the temperature slider asks the library's
 * predictionAtTemperature. The decoder follows a position of the model's own greedy translation (the worker's
 * library call decodes it), chosen in a control made here. This file only shows one step at a time and wires the controls.
 */
import { explainSteps } from "../../../src/inspect/explain-html.js";
import type { Explanation } from "../../../src/inspect/explain-record.js";
import { predictionAtTemperature } from "../../../src/inspect/explain-temperature.js";
import { escapeXml } from "../../../src/inspect/svg.js";
import type { ModelApi, ModelSummary, WalkModel } from "../protocol.js";
import type { WorkerClient } from "../rpc.js";
import { byId, el, fmt } from "../ui/dom.js";

export interface WalkSection {
  /** A checkpoint was loaded: the walk can follow it. */
  setModel(s: ModelSummary): void;
}

const TOY_SENTENCE = "let's go";
const TOY_SEED = 1;

export function setupWalk(model: WorkerClient<ModelApi>): WalkSection {
  const which = byId<HTMLSelectElement>("walk-model");
  const text = byId<HTMLInputElement>("walk-text");
  const tokenSel = byId<HTMLSelectElement>("walk-token");
  const layerSel = byId<HTMLSelectElement>("walk-layer");
  const headSel = byId<HTMLSelectElement>("walk-head");
  const stepSel = el("select", { id: "walk-decoder-step", title: "the decoder reads its start token and the first N tokens of its greedy translation" });
  headSel.closest("label")?.after(" ", el("label", {}, "Decoder position ", stepSel)); // beside the other focus controls
  const go = byId<HTMLButtonElement>("walk-go");
  const trainButton = byId<HTMLButtonElement>("walk-train-toy");
  const toyStatus = byId("walk-toy-status");
  const status = byId("walk-status");
  const temp = byId<HTMLInputElement>("walk-temperature");
  const tempValue = byId("walk-temperature-value");
  const prev = byId<HTMLButtonElement>("walk-prev");
  const next = byId<HTMLButtonElement>("walk-next");
  const pick = byId<HTMLSelectElement>("walk-pick");
  const stepsRoot = byId("walk-steps");
  const section = byId("walk-section");

  let loaded: ModelSummary | null = null;
  let toyTrained = false;
  let busy = false;
  let shown: Explanation | null = null;
  let sections: HTMLElement[] = [];
  let at = 0;
  /** The decoder position asked for (undefined: the library's default), and the walk it was asked for. */
  let wantStep: number | undefined;
  let walked = "";
  /** The sentence typed for each model, kept when switching between them. */
  const texts: Record<WalkModel, string> = { loaded: text.value, toy: TOY_SENTENCE };

  const options = (sel: HTMLSelectElement, n: number, label: (i: number) => string) => {
    const keep = Number(sel.value) || 0;
    sel.replaceChildren(...Array.from({ length: n }, (_, i) => el("option", { value: i, text: label(i) })));
    sel.value = String(Math.min(keep, n - 1));
  };
  const shape = () => (which.value === "toy"
    ? { layers: 1, heads: 1 }
    : { layers: loaded ? Math.min(loaded.encoderLayers, loaded.decoderLayers) : 1, heads: loaded?.numHeads ?? 1 });
  const refresh = () => {
    const toy = which.value === "toy";
    go.disabled = busy || (toy ? false : !loaded);
    trainButton.disabled = busy;
    for (const c of [tokenSel, layerSel, headSel, stepSel]) c.disabled = busy || !shown;
    prev.disabled = !sections.length || at === 0;
    next.disabled = !sections.length || at === sections.length - 1;
  };
  const setShape = () => {
    const s = shape();
    options(layerSel, s.layers, String);
    options(headSel, s.heads, String);
  };

  const show = (i: number) => {
    if (!sections.length) return;
    at = Math.min(sections.length - 1, Math.max(0, i));
    sections.forEach((s, j) => s.classList.toggle("current", j === at));
    pick.value = sections[at].dataset.step ?? "";
    stepsRoot.dataset.at = String(at);
    stepsRoot.dataset.step = pick.value;
    refresh();
  };

  /** Renders an explanation with the library's renderer, keeping the step shown (by id) when there is one. */
  const render = (e: Explanation) => {
    const keep = sections[at]?.dataset.step;
    shown = e;
    const steps = explainSteps(withTemperature(e, Number(temp.value)));
    sections = steps.map((s, i) => {
      const sec = el("section", { class: "walk-step", "data-step": s.id });
      sec.innerHTML = `<h3>${i + 1} / ${steps.length} · ${escapeXml(s.title)}</h3>${s.body}`; // the library escapes its bodies
      return sec;
    });
    stepsRoot.replaceChildren(...sections);
    pick.replaceChildren(...steps.map((s, i) => el("option", { value: s.id, text: `${i + 1}. ${s.title}` })));
    tokenSel.replaceChildren(...e.source.tokens.map((t, i) => el("option", { value: i, text: `${i} ${t}` })));
    tokenSel.value = String(e.focus.token);
    layerSel.value = String(e.focus.layer);
    headSel.value = String(e.focus.head);
    const tr = e.translation;
    const bos = e.steps[0].input.tokens[0];
    stepSel.replaceChildren(...(tr ? tr.tokens : [""]).map((_, t) => el("option", { value: t, text: `${t}: ${[bos, ...(tr?.tokens.slice(0, t) ?? [])].join(" ")}` })));
    stepSel.value = String(tr?.decoderStep ?? 0);
    stepSel.title = tr ? `greedy translation: ${tr.tokens.join(" ")}` : "";
    const again = steps.findIndex((s) => s.id === keep);
    show(again >= 0 ? again : 0);
  };

  /** The temperature step again at the slider's τ: the library's softmax(logits / τ) of the recorded logits. */
  const retemper = () => {
    tempValue.textContent = Number(temp.value).toFixed(2);
    if (!shown) return;
    const steps = explainSteps(withTemperature(shown, Number(temp.value)));
    for (const id of ["temperature"]) {
      const sec = sections.find((s) => s.dataset.step === id);
      const step = steps.find((s) => s.id === id);
      if (sec && step) sec.innerHTML = `<h3>${steps.indexOf(step) + 1} / ${steps.length} · ${escapeXml(step.title)}</h3>${step.body}`;
    }
    stepsRoot.dataset.temperature = temp.value;
  };

  const setState = (state: string, message: string) => {
    status.dataset.state = state;
    status.className = state === "error" ? "status error" : "status";
    status.textContent = message;
  };

  const trainToy = async () => {
    busy = true;
    refresh();
    toyStatus.dataset.state = "training";
    toyStatus.className = "status";
    toyStatus.textContent = "Training the toy…";
    try {
      const r = await model.call("trainNotesToy", { seed: TOY_SEED }, (e) => {
        toyStatus.textContent = `step ${e.step} · loss ${fmt(e.loss)}`;
      });
      toyTrained = true;
      const lets = r.pairs.find((q) => q.en === TOY_SENTENCE);
      toyStatus.dataset.state = "trained";
      toyStatus.dataset.translation = lets?.got ?? "";
      toyStatus.textContent = `Trained: ${r.steps} steps in ${(r.ms / 1000).toFixed(1)} s, loss ${fmt(r.loss)}. Greedy: `
        + r.pairs.map((q) => `“${q.en}” → “${q.got}”`).join(", ") + ".";
    } catch (e) {
      toyStatus.dataset.state = "error";
      toyStatus.className = "status error";
      toyStatus.textContent = `Training failed: ${e instanceof Error ? e.message : String(e)}`;
      throw e;
    } finally {
      busy = false;
      refresh();
    }
  };

  /** Asks the worker for the explanation of the sentence, following the chosen token, layer and head. */
  const walk = async () => {
    const kind = which.value as WalkModel;
    if (kind === "toy" && !toyTrained) await trainToy();
    busy = true;
    refresh();
    setState("running", "Translating greedily, then running the model once, recording every step…");
    const what = `${kind}\n${text.value}`;
    if (what !== walked) wantStep = undefined; // a new sentence starts at the default position
    try {
      const t0 = performance.now();
      const e = await model.call("explain", {
        model: kind, text: text.value, layer: Number(layerSel.value) || 0, head: Number(headSel.value) || 0, token: Number(tokenSel.value) || 0,
        decoderStep: wantStep,
      });
      walked = what;
      render(e);
      stepsRoot.dataset.model = kind;
      stepsRoot.dataset.source = e.source.ids.join(",");
      stepsRoot.dataset.prefix = e.steps[0].input.ids.join(",");
      setState("done", `${e.source.tokens.length} source tokens, decoder position ${e.translation?.decoderStep ?? 0}, one forward pass in ${Math.round(performance.now() - t0)} ms. ` +
        "Use ← and → (or the buttons) to move; hover a number for its exact value.");
    } catch (err) {
      setState("error", `The walk failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      busy = false;
      refresh();
    }
  };

  which.addEventListener("change", () => {
    const was: WalkModel = which.value === "toy" ? "loaded" : "toy";
    texts[was] = text.value;
    text.value = texts[which.value as WalkModel];
    shown = null;
    sections = [];
    stepsRoot.replaceChildren();
    tokenSel.replaceChildren();
    stepSel.replaceChildren();
    setShape();
    refresh();
  });
  go.addEventListener("click", () => void walk());
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !go.disabled) void walk();
  });
  trainButton.addEventListener("click", () => {
    which.value = "toy";
    which.dispatchEvent(new Event("change"));
    void trainToy().then(walk, () => {});
  });
  for (const c of [tokenSel, layerSel, headSel]) c.addEventListener("change", () => void walk());
  stepSel.addEventListener("change", () => {
    wantStep = Number(stepSel.value);
    void walk();
  });
  temp.addEventListener("input", retemper);
  prev.addEventListener("click", () => show(at - 1));
  next.addEventListener("click", () => show(at + 1));
  pick.addEventListener("change", () => show(sections.findIndex((s) => s.dataset.step === pick.value)));
  document.addEventListener("keydown", (e) => {
    if (!sections.length || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
    const box = section.getBoundingClientRect();
    if (box.bottom < 0 || box.top > innerHeight) return; // the walk is not on screen: the keys scroll as usual
    if (e.key === "ArrowRight") show(at + 1);
    else if (e.key === "ArrowLeft") show(at - 1);
    else return;
    e.preventDefault();
  });
  setShape();
  refresh();

  return {
    setModel(s) {
      loaded = s.task === "translate" ? s : null; // the walk follows an encoder-decoder
      if (which.value === "loaded") setShape();
      refresh();
    },
  };
}

/** The explanation with its first prediction at temperature τ, from the library (the logits row it was made from). */
function withTemperature(e: Explanation, t: number): Explanation {
  if (!(t > 0) || t === e.steps[0].prediction.temperature) return e;
  const [first, ...rest] = e.steps;
  const logits = first.logits[first.logits.length - 1];
  return { ...e, steps: [{ ...first, prediction: predictionAtTemperature(first.prediction, logits, t) }, ...rest] };
}
