/**
 * Section 2b: what a model that does not translate is run for — a decoder_only one (GPT-2) continues a prompt
 * greedily, streamed token by token; an encoder_only classifier (a BERT SequenceClassification) gives each label's
 * probability; a BERT masked-LM lists the likeliest tokens at each mask. Its attention goes to section 3.
 */
import type { ModelApi, ModelSummary, ModelTask } from "../protocol.js";
import type { WorkerClient } from "../rpc.js";
import { byId, el } from "../ui/dom.js";
import type { InspectPanel } from "./inspect.js";

export interface RunSection {
  setModel(s: ModelSummary): void;
}

const SAMPLE: Record<Exclude<ModelTask, "translate">, (s: ModelSummary) => string> = {
  generate: () => "And God said",
  classify: () => "Who is he?",
  "fill-mask": (s) => `The ${s.maskToken ?? "[MASK]"} is my shepherd.`,
};

const BUTTON: Record<ModelTask, string> = { translate: "Run", generate: "Generate", classify: "Classify", "fill-mask": "Fill the mask" };

/** One bar of a probability list, as the next-token lists draw theirs. */
function bar(name: string, p: number, attrs: Record<string, string | number>, chosen = false): HTMLElement {
  return el("li", { class: chosen ? "chosen" : undefined, ...attrs },
    el("span", { class: "tok", text: name, title: name }),
    el("span", { class: "bar" }, el("span", { class: "fill", style: `width: ${(100 * p).toFixed(1)}%` })),
    el("span", { class: "pct", text: `${(100 * p).toFixed(2)}%` }));
}

export function setupRun(model: WorkerClient<ModelApi>, panel: InspectPanel): RunSection {
  const text = byId<HTMLTextAreaElement>("run-text");
  const maxNew = byId<HTMLInputElement>("run-max-new");
  const topK = byId<HTMLInputElement>("run-top-k");
  const go = byId<HTMLButtonElement>("run-go");
  const output = byId("run-output");
  const status = byId("run-status");
  const hint = byId("run-hint");
  let task: ModelTask | null = null;
  let busy = false;
  const refresh = () => {
    go.disabled = busy || task === null || task === "translate";
    go.textContent = BUTTON[task ?? "translate"];
    byId("run-max-label").hidden = task !== "generate";
    byId("run-top-label").hidden = task !== "fill-mask";
  };
  refresh();

  const generate = async () => {
    const maxNewTokens = Math.min(512, Math.max(1, Math.round(Number(maxNew.value)) || 24));
    status.textContent = "Generating…";
    const r = await model.call("generate", { text: text.value, maxNewTokens }, (e) => {
      if (e.type === "prompt") panel.showSource(e.tokens);
      else {
        if (e.text) output.append(el("span", { class: "piece", text: e.text }));
        panel.appendOutput(e.token);
      }
    });
    output.textContent = r.text;
    output.dataset.ids = r.outIds.join(",");
    output.dataset.promptIds = r.promptIds.join(",");
    panel.setOutput(r.tokens);
    status.textContent = `${r.outIds.length} tokens in ${r.ms.toFixed(0)} ms, greedy search; stopped by ${r.finish === "eos" ? "the end-of-text token" : r.finish === "length" ? `the limit of ${maxNewTokens} new tokens` : "max_len"}.`;
    const seq = [...r.promptIds, ...r.outIds];
    const ask = (temperature: number) => ({ srcIds: r.promptIds, outIds: r.outIds, temperature });
    const ins = await model.call("inspect", ask(panel.temperature));
    // position t of the sequence is followed by token t + 1: the prompt's next token, then what the search took
    panel.show({ ins, outIds: seq.slice(1), nextAt: (temperature) => model.call("nextTokens", ask(temperature)) });
  };

  const classify = async () => {
    status.textContent = "Classifying…";
    const r = await model.call("classify", { text: text.value });
    const list = el("ol", { class: "topk", id: "run-classes" },
      ...r.probabilities.map((c) => bar(c.label, c.probability, { "data-label": c.label, "data-probability": c.probability }, c.label === r.label)));
    output.replaceChildren(el("p", { text: `Label: ${r.label}` }), list);
    output.dataset.label = r.label;
    status.textContent = r.truncatedTokens ? `The text was cut by ${r.truncatedTokens} tokens to fit max_len.` : "Softmax over the classifier's logits, as transformers' text-classification pipeline.";
    panel.showSource(r.tokens);
    panel.clearOutput();
    if (r.inspection) panel.show({ ins: r.inspection, outIds: [], nextAt: async () => [] });
  };

  const fill = async () => {
    const k = Math.min(50, Math.max(1, Math.round(Number(topK.value)) || 5));
    status.textContent = "Filling…";
    const r = await model.call("fillMask", { text: text.value, topK: k });
    output.replaceChildren(...r.masks.flatMap((cands, m) => [
      el("p", { text: r.masks.length > 1 ? `Mask ${m + 1}:` : "The likeliest tokens at the mask:" }),
      el("ol", { class: "topk fill-mask", "data-mask": m },
        ...cands.map((c, i) => bar(c.token, c.score, { "data-id": c.id, "data-score": c.score, title: c.sequence }, i === 0))),
    ]));
    status.textContent = `Top ${k} of softmax at each mask, as transformers' fill-mask pipeline${r.truncatedTokens ? `; the text was cut by ${r.truncatedTokens} tokens to fit max_len` : ""}. Hover a token for the filled text.`;
    panel.showSource(r.tokens);
    panel.clearOutput();
    panel.show({ ins: r.inspection, outIds: [], nextAt: async () => [] });
  };

  const run = async () => {
    busy = true;
    refresh();
    output.replaceChildren();
    output.dataset.state = "running";
    for (const k of ["ids", "promptIds", "label"]) delete output.dataset[k];
    status.className = "status";
    try {
      await (task === "generate" ? generate() : task === "classify" ? classify() : fill());
      output.dataset.state = "done";
    } catch (e) {
      output.dataset.state = "error";
      status.className = "status error";
      status.textContent = `Failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      busy = false;
      refresh();
    }
  };
  go.addEventListener("click", () => void run());
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !go.disabled) void run();
  });

  return {
    setModel(s) {
      if (s.task !== task && s.task !== "translate") text.value = SAMPLE[s.task](s);
      task = s.task;
      const what = s.huggingFace ? `a Hugging Face ${s.huggingFace}` : `a ${s.architecture} checkpoint`;
      hint.textContent = s.task === "translate"
        ? "The loaded model translates (section 2). Load a decoder-only or BERT model to use this section."
        : s.task === "generate" ? `Loaded ${what}: type a prompt; it continues it greedily.`
        : s.task === "classify" ? `Loaded ${what} classifier; labels: ${s.labels.join(", ")}.`
        : `Loaded ${what} masked-LM: write ${s.maskToken} where a word is to be predicted.`;
      output.replaceChildren();
      delete output.dataset.state;
      status.textContent = "";
      refresh();
    },
  };
}
