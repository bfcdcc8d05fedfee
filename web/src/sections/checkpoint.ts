/** Section 1: load a checkpoint from picked files, a picked folder, or the demo folder served with the page. */
import type { CheckpointSource, ModelApi, ModelSummary } from "../protocol.js";
import type { WorkerClient } from "../rpc.js";
import { byId, el } from "../ui/dom.js";

/** Where the page looks for its demo checkpoint (web/public/demo/ in the source tree). */
export const DEMO_BASE = "demo/";

export function setupCheckpoint(model: WorkerClient<ModelApi>, opts: { autoloadDemo: boolean }, onLoaded: (s: ModelSummary) => void): void {
  const status = byId("ckpt-status");
  const summary = byId("ckpt-summary");
  const demoButton = byId<HTMLButtonElement>("load-demo");
  const demoStatus = byId("demo-status");
  const filesInput = byId<HTMLInputElement>("ckpt-files");
  const folderInput = byId<HTMLInputElement>("ckpt-folder");

  const load = async (src: CheckpointSource) => {
    status.textContent = `Loading ${src.kind === "url" ? src.label : `${src.files.length} file(s)`}…`;
    status.className = "status";
    status.dataset.state = "loading";
    try {
      const t0 = performance.now();
      const s = await model.call("load", src);
      status.textContent = `Loaded ${s.source} in ${Math.round(performance.now() - t0)} ms.` +
        (s.ignored.length ? ` Ignored: ${s.ignored.join(", ")}.` : "");
      status.dataset.state = "loaded";
      status.dataset.source = s.source;
      summary.replaceChildren(...Object.entries({
        architecture: `${s.architecture} (${s.encoderLayers} encoder + ${s.decoderLayers} decoder layers)`,
        "d_model / heads / d_ff": `${s.dModel} / ${s.numHeads} / ${s.dFF}`,
        vocabulary: s.separateTarget ? `source ${s.srcVocab}, target ${s.tgtVocab} (separate)` : `${s.srcVocab} (shared)`,
        "max_len": String(s.maxLen),
        parameters: s.parameters.toLocaleString("en"),
      }).flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
      onLoaded(s);
    } catch (e) {
      status.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      status.className = "status error";
      status.dataset.state = "error";
    }
  };

  const fromInput = (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = "";
    if (files.length) void load({ kind: "files", files });
  };
  filesInput.addEventListener("change", () => fromInput(filesInput));
  folderInput.addEventListener("change", () => fromInput(folderInput));

  const demo: CheckpointSource = { kind: "url", base: new URL(DEMO_BASE, document.baseURI).href, label: "the demo checkpoint" };
  demoButton.addEventListener("click", () => void load(demo));
  void (async () => {
    let present = false;
    try {
      const res = await fetch(new URL("config.json", demo.base), { method: "HEAD", cache: "no-store" });
      present = res.ok && !(res.headers.get("content-type") ?? "").includes("text/html");
    } catch {
      present = false;
    }
    demoStatus.dataset.state = present ? "present" : "absent";
    if (!present) {
      demoStatus.textContent = "No demo checkpoint is served with this page (put one in web/public/demo/); pick your own files above.";
      return;
    }
    demoButton.disabled = false;
    demoStatus.textContent = "A demo checkpoint (English → Spanish) is served with this page.";
    if (opts.autoloadDemo && status.dataset.state === undefined) await load(demo);
  })();
}
