/**
 * The page: five sections wired to two workers. The model worker loads a checkpoint, translates (or generates,
 * classifies, fills masks) and inspects;
 * the toy worker trains a small model live; the walk asks the model worker for one explained forward pass. The main thread only draws.
 *
 * URL options: ?backend=webgpu|wasm|js (force those kernels; default auto), ?threads=N (WebAssembly threads per worker, default 1),
 * ?autoload=0 (do not load the shipped model by itself).
 */
import { BACKEND_CHOICES, type BackendChoice, type BackendInfo, type BackendParams, type ModelApi, type ToyApi } from "./protocol.js";
import { WorkerClient } from "./rpc.js";
import { setupCheckpoint } from "./sections/checkpoint.js";
import { InspectPanel } from "./sections/inspect.js";
import { setupRun } from "./sections/run.js";
import { setupToy } from "./sections/toy.js";
import { setupTranslate } from "./sections/translate.js";
import { setupWalk } from "./sections/walk.js";
import { byId } from "./ui/dom.js";
import { startFrameMeter } from "./ui/frame-meter.js";

const query = new URLSearchParams(location.search);
const choice = query.get("backend") ?? "auto";
const backend: BackendParams = {
  backend: (BACKEND_CHOICES as readonly string[]).includes(choice) ? (choice as BackendChoice) : "auto",
  threads: Math.min(16, Math.max(1, Math.round(Number(query.get("threads") ?? 1)) || 1)),
};

startFrameMeter(byId("fps"));

const model = new WorkerClient<ModelApi>(new Worker(new URL("./workers/model-worker.ts", import.meta.url), { type: "module" }), "model");
const toy = new WorkerClient<ToyApi>(new Worker(new URL("./workers/toy-worker.ts", import.meta.url), { type: "module" }), "toy");

function showBackend(info: BackendInfo): void {
  const b = byId("backend");
  b.textContent = info.name.startsWith("wasm") ? `${info.name} (${info.threads} thread${info.threads > 1 ? "s" : ""} per worker)` : info.name;
  document.body.dataset.backend = info.name;
  const adapter = byId("backend-adapter");
  adapter.hidden = info.adapter === null;
  adapter.textContent = info.adapter === null ? "" : `on ${info.adapter}`;
  byId("backend-note").textContent = `— ${info.note}`;
  const fallback = byId("backend-fallback");
  fallback.hidden = info.fallback === null;
  fallback.textContent = info.fallback === null ? "" : `(not WebGPU: ${info.fallback})`;
}

// the model worker's GPU lost: it says what it runs on now (the toy's says so in its own status line)
model.onNotice = (info) => showBackend(info as BackendInfo);

const panel = new InspectPanel();
const translate = setupTranslate(model, panel);
const run = setupRun(model, panel);
setupToy(toy);
const walk = setupWalk(model);

try {
  if (backend.backend !== choice) throw new Error(`?backend=${choice} is not a backend: expected one of ${BACKEND_CHOICES.join(", ")}`);
  const [info] = await Promise.all([model.call("init", backend), toy.call("init", backend)]);
  showBackend(info);
} catch (e) {
  byId("backend").textContent = "failed";
  byId("backend-note").textContent = e instanceof Error ? e.message : String(e);
}

setupCheckpoint(model, { autoload: query.get("autoload") !== "0" }, (summary, origin) => {
  panel.setModel(summary);
  translate.setModel(summary, origin);
  run.setModel(summary);
  walk.setModel(summary);
});
