/**
 * The worker that owns the WebGPU device for the WebGPU backend (protocol.ts): it keeps the device buffers by id,
 * encodes each command's kernels into the runtime's one open encoder, and answers downloads and syncs through the
 * shared control block. A failure (a kernel that cannot encode, a device error, the device lost) is kept and
 * reported at the next download or sync; the commands after it still run, so the ids stay consistent.
 */
import { isRef, type Ref } from "../../device/device.js";
import { requestWebGpuDevice } from "../device.js";
import { GpuRuntime, view, type GpuTensor } from "../runtime.js";
import { ENCODERS } from "./kernels.js";
import { CONTROL_BYTES, DONE, ERROR_LENGTH, ERROR_TEXT_BYTE, FAILED, STATE, type Command, type Init, type Ready } from "./protocol.js";

interface Port {
  post(message: unknown): void;
  listen(handler: (message: unknown) => void): void;
}

async function port(): Promise<Port> {
  if (typeof process !== "undefined" && process.versions?.node) {
    const { parentPort } = await import("node:worker_threads");
    if (!parentPort) throw new Error("webgpu worker: not started as a worker thread");
    return { post: (m) => parentPort.postMessage(m), listen: (h) => parentPort.on("message", h) };
  }
  const self = globalThis as unknown as { postMessage(m: unknown): void; addEventListener(t: "message", h: (e: MessageEvent) => void): void };
  return { post: (m) => self.postMessage(m), listen: (h) => self.addEventListener("message", (e) => h(e.data)) };
}

const io = await port();
let rt: GpuRuntime | null = null;
let failure: string | null = null;
const buffers = new Map<number, GpuTensor>();
let control: Int32Array | null = null;

function tensorOf(r: Ref): GpuTensor {
  const t = buffers.get(r.id);
  if (!t) throw new Error(`buffer ${r.id} is not on the device`);
  if (r.kind !== "u8") return view(t, r.offset, r.length);
  if (r.offset % 4 !== 0) throw new Error(`a byte mask starts at byte ${r.offset}, not on a 4-byte word`);
  return view(t, r.offset / 4, Math.ceil(r.length / 4));
}

function resolve(x: unknown): unknown {
  if (isRef(x)) return tensorOf(x);
  if (x && typeof x === "object" && !ArrayBuffer.isView(x) && !Array.isArray(x)) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, isRef(v) ? tensorOf(v) : v]));
  }
  return x;
}

function answer(into: Int32Array, error: string | null): void {
  if (error !== null) {
    const text = new TextEncoder().encode(error).subarray(0, CONTROL_BYTES - ERROR_TEXT_BYTE);
    new Uint8Array(into.buffer, ERROR_TEXT_BYTE, text.length).set(text);
    Atomics.store(into, ERROR_LENGTH, text.length);
  }
  Atomics.store(into, STATE, error === null ? DONE : FAILED);
  Atomics.notify(into, STATE);
}

function fail(e: unknown): void {
  failure ??= (e as Error).message ?? String(e);
}

async function execute(c: Command, gpu: GpuRuntime): Promise<void> {
  switch (c.op) {
    case "alloc":
      buffers.set(c.id, gpu.alloc(Math.ceil(c.bytes / 4)));
      return;
    case "free": {
      const t = buffers.get(c.id);
      buffers.delete(c.id);
      if (t) gpu.free(t);
      return;
    }
    case "upload": {
      const t = buffers.get(c.id);
      if (!t) throw new Error(`upload to buffer ${c.id}, which is not on the device`);
      const words = new Uint32Array(Math.ceil(c.data.byteLength / 4));
      new Uint8Array(words.buffer).set(new Uint8Array(c.data));
      gpu.write(t, words);
      return;
    }
    case "run": {
      const encode = ENCODERS[c.kernel];
      if (!encode) throw new Error(`no WGSL kernel for ${c.kernel}`);
      encode(gpu, c.args.map(resolve));
      return;
    }
    case "download": {
      const t = buffers.get(c.id);
      if (!t) throw new Error(`download of buffer ${c.id}, which is not on the device`);
      const bytes = new Uint8Array(await gpu.read(t));
      new Uint8Array(c.into, 0, c.bytes).set(bytes.subarray(0, c.bytes));
      return;
    }
    case "sync":
      await gpu.sync();
      return;
    case "destroy":
      gpu.device.destroy(); // device.lost resolves, and reports the loss as this worker's failure
      return;
    case "memory": {
      await gpu.sync(); // buffers freed by submitted work go back to the pool once it is done
      const s = gpu.stats();
      new Float64Array(c.into, 0, 4).set([s.buffers, s.bytes, s.free, s.pipelines]);
      return;
    }
  }
}

// Commands run strictly in order: a batch waits for the one before it (a download's await in particular).
let queue: Promise<void> = Promise.resolve();

io.listen((message) => {
  const m = message as { init?: Init } | { batch: Command[] };
  if ("init" in m && m.init) {
    control = new Int32Array(m.init.control);
    const hardwareOnly = m.init.hardwareOnly;
    queue = queue.then(async () => {
      try {
        const d = await requestWebGpuDevice(hardwareOnly ? { hardwareOnly, powerPreference: "high-performance" } : {});
        if (!d) {
          const error = hardwareOnly
            ? "no hardware WebGPU adapter here (none, or only a software one)"
            : "no WebGPU adapter here (no GPU, or no Vulkan/Metal/D3D driver for one)";
          io.post({ ok: false, error, none: true } satisfies Ready);
          return;
        }
        d.device.lost.then((info) => fail(new Error(`the GPU device was lost (${info.reason}): ${info.message}`)));
        rt = new GpuRuntime(d);
        io.post({ ok: true, adapter: d.adapter } satisfies Ready);
      } catch (e) {
        io.post({ ok: false, error: (e as Error).message } satisfies Ready);
      }
    });
    return;
  }
  const batch = (m as { batch: Command[] }).batch;
  queue = queue.then(async () => {
    for (const c of batch) {
      const waits = c.op === "download" || c.op === "sync" || c.op === "memory";
      try {
        if (failure === null || !waits) await execute(c, rt!);
      } catch (e) {
        fail(e);
      }
      if (waits) {
        answer(control!, failure);
        failure = null; // reported once
      }
    }
  });
});
