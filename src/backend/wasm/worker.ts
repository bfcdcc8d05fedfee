/**
 * A kernel worker: instantiates the kernels on the shared memory, then loops forever taking tasks from its slot of
 * the control block (tasks.ts), sleeping in Atomics.wait between them. Runs under Node's worker_threads and as a
 * browser module worker.
 */
import { instantiate, type KernelExports } from "./loader.js";
import { ARGS_BYTE, DONE, ERR, FN, NARGS, QUIT, SEQ, SLOT_BYTES, SLOT_INTS, SPIN, TAKEN, TASKS } from "./tasks.js";

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
}

interface Port {
  postMessage(message: unknown): void;
}

function serve(init: WorkerInit, port: Port): void {
  const kernels: KernelExports = instantiate(init.module, init.memory);
  const fns = TASKS.map((name) => kernels[name] as (...args: number[]) => void);
  const ctl = new Int32Array(init.control);
  const base = init.slot * SLOT_INTS;
  const args = new Float64Array(init.control, init.slot * SLOT_BYTES + ARGS_BYTE, (SLOT_BYTES - ARGS_BYTE) / 8);
  // read the sequence number before saying ready: a task posted right after "ready" must look new
  let seen = Atomics.load(ctl, base + SEQ);
  port.postMessage("ready");
  for (;;) {
    let s = Atomics.load(ctl, base + SEQ);
    for (let i = 0; s === seen && i < SPIN; i++) s = Atomics.load(ctl, base + SEQ);
    while (s === seen) {
      Atomics.wait(ctl, base + SEQ, seen);
      s = Atomics.load(ctl, base + SEQ);
    }
    seen = s;
    Atomics.store(ctl, base + TAKEN, s);
    const fn = ctl[base + FN];
    if (fn === QUIT) return;
    try {
      const n = ctl[base + NARGS];
      const a: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) a[i] = args[i];
      fns[fn](...a);
      ctl[base + ERR] = 0;
    } catch (e) {
      ctl[base + ERR] = 1;
      console.error(`wasm backend worker ${init.slot}: ${TASKS[fn]} failed:`, e);
    }
    Atomics.store(ctl, base + DONE, s);
    Atomics.notify(ctl, base + DONE);
  }
}

if (typeof process !== "undefined" && typeof process.versions?.node === "string") {
  const { parentPort } = await import("node:worker_threads");
  const port = parentPort;
  if (port) port.once("message", (init: WorkerInit) => serve(init, port));
} else {
  const scope = globalThis as unknown as {
    addEventListener(type: "message", fn: (e: { data: WorkerInit }) => void, opts: { once: boolean }): void;
    postMessage(message: unknown): void;
  };
  scope.addEventListener("message", (e) => serve(e.data, scope), { once: true });
}
