/**
 * Section 1: the checkpoint. The shipped model (the repository's models/en-es/, served beside the page by
 * web/shipped-model.ts) loads by itself when the page opens; the user can pick their own files or folder instead.
 */
import type { CheckpointSource, ModelApi, ModelSummary } from "../protocol.js";
import type { WorkerClient } from "../rpc.js";
import { byId, el } from "../ui/dom.js";

/** Where the page finds the shipped model, relative to the page (SHIPPED_MODEL_PATH in web/shipped-model.ts). */
export const SHIPPED_BASE = "models/en-es/";

/** Where a loaded checkpoint came from. */
export type CheckpointOrigin = "shipped" | "picked";

export function setupCheckpoint(
  model: WorkerClient<ModelApi>, opts: { autoload: boolean }, onLoaded: (s: ModelSummary, origin: CheckpointOrigin) => void,
): void {
  const status = byId("ckpt-status");
  const summary = byId("ckpt-summary");
  const shippedButton = byId<HTMLButtonElement>("load-shipped");
  const shippedStatus = byId("shipped-status");
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
        architecture: `${s.architecture}${s.huggingFace ? ` (Hugging Face ${s.huggingFace})` : ""}, ${s.architecture === "seq2seq" ? `${s.encoderLayers} encoder + ${s.decoderLayers} decoder layers` : `${s.encoderLayers + s.decoderLayers} layers`}`,
        "d_model / heads / d_ff": `${s.dModel} / ${s.numHeads} / ${s.dFF}`,
        vocabulary: s.separateTarget ? `source ${s.srcVocab}, target ${s.tgtVocab} (separate)` : `${s.srcVocab}${s.architecture === "seq2seq" ? " (shared)" : ""}`,
        ...(s.task === "classify" ? { labels: s.labels.join(", ") } : {}),
        "max_len": String(s.maxLen),
        parameters: s.parameters.toLocaleString("en"),
      }).flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
      onLoaded(s, src.kind === "url" ? "shipped" : "picked");
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

  const shipped: CheckpointSource = { kind: "url", base: new URL(SHIPPED_BASE, document.baseURI).href, label: "the shipped model en-es" };
  shippedButton.addEventListener("click", () => void load(shipped));
  void (async () => {
    let present = false;
    try {
      const res = await fetch(new URL("config.json", shipped.base), { method: "HEAD", cache: "no-store" });
      // a host that answers every path with the page (a single-page-app fallback) has no model there either
      present = res.ok && !(res.headers.get("content-type") ?? "").includes("text/html");
    } catch {
      present = false;
    }
    shippedStatus.dataset.state = present ? "present" : "absent";
    if (!present) {
      shippedStatus.textContent = `No shipped model is served with this page (${SHIPPED_BASE} is absent); pick your own files above.`;
      return;
    }
    shippedButton.disabled = false;
    shippedStatus.textContent = "The shipped English → Spanish model (models/en-es) is served with this page.";
    // only if the user has not picked files meanwhile
    if (opts.autoload && status.dataset.state === undefined) await load(shipped);
  })();
}
