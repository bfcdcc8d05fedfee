/** Section 4: train a toy copy/reverse model in its own worker, with a live loss curve, then test it. */
import type { ToyApi, ToyParams, ToyResult, ToyTask } from "../protocol.js";
import type { WorkerClient } from "../rpc.js";
import { attentionView } from "../ui/attention-view.js";
import { byId, el, fmt } from "../ui/dom.js";
import { LossChart } from "../ui/loss-chart.js";

export function setupToy(toy: WorkerClient<ToyApi>): void {
  const trainButton = byId<HTMLButtonElement>("toy-train");
  const stopButton = byId<HTMLButtonElement>("toy-stop");
  const status = byId("toy-status");
  const results = byId("toy-results");
  const chart = new LossChart(byId("loss-chart") as unknown as SVGSVGElement);
  const num = (id: string) => Number(byId<HTMLInputElement>(id).value);

  trainButton.addEventListener("click", async () => {
    const p: ToyParams = {
      task: byId<HTMLSelectElement>("toy-task").value as ToyTask,
      symbols: num("toy-symbols"),
      minLen: num("toy-min"),
      maxLen: num("toy-max"),
      seconds: num("toy-seconds"),
      batchSize: 32,
      seed: Math.max(0, Math.round(num("toy-seed")) || 0),
    };
    trainButton.disabled = true;
    stopButton.disabled = false;
    chart.clear();
    results.replaceChildren();
    status.className = "status";
    status.dataset.state = "training";
    status.textContent = "Starting…";
    try {
      const r = await toy.call("train", p, (e) => {
        chart.add(e.step, e.loss);
        status.textContent = `step ${e.step} · loss ${fmt(e.loss)} · lr ${e.lr.toExponential(2)} · ` +
          `${(e.elapsedMs / 1000).toFixed(1)} s · ${(e.step / (e.elapsedMs / 1000)).toFixed(0)} steps/s`;
      });
      status.dataset.state = "done";
      status.textContent = `${r.stopped ? "Stopped" : "Done"} after ${r.steps} steps in ${(r.elapsedMs / 1000).toFixed(1)} s ` +
        `(${r.config}, ${r.parameters.toLocaleString("en")} parameters). ` +
        `Exact-match accuracy on ${r.tested} fresh sequences: ${(100 * r.accuracy).toFixed(0)}%.`;
      showResults(results, r);
    } catch (e) {
      status.dataset.state = "error";
      status.className = "status error";
      status.textContent = `Training failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      trainButton.disabled = false;
      stopButton.disabled = true;
    }
  });
  stopButton.addEventListener("click", () => void toy.call("stop", null));
}

function showResults(root: HTMLElement, r: ToyResult): void {
  const rows = r.examples.map((x) => el("tr", {},
    el("td", { text: x.input }), el("td", { text: x.expected }), el("td", { text: x.output || "(nothing)" }),
    el("td", { class: x.correct ? "ok" : "wrong", text: x.correct ? "✓" : "✗" })));
  const table = el("table", { class: "examples", id: "toy-examples" },
    el("thead", {}, el("tr", {}, ...["input", "expected", "model output", ""].map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows));
  const readout = el("p", { class: "readout", text: "Point at a cell to read its weight." });
  const layer = Math.max(...r.inspection.attention.filter((a) => a.kind === "cross").map((a) => a.layer));
  const view = attentionView(r.inspection, { layer, head: "all", kinds: ["cross"] }, (t) => {
    readout.textContent = t ?? "Point at a cell to read its weight.";
  });
  root.replaceChildren(el("h3", { text: "The trained model on fresh sequences" }), table,
    el("h3", { text: `Its cross-attention on the first example (last layer, every head)` }), readout, view);
}
