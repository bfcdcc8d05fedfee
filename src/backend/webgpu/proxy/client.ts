import { DeviceError } from "../../../errors.js";
import type { Device, DeviceMemory } from "../../device/device.js";
import { canBlock, isNode } from "../../runtime.js";
import type { AdapterReport } from "../device.js";
import { CONTROL_BYTES, DONE, ERROR_LENGTH, ERROR_TEXT_BYTE, FAILED, STATE, WAITING, type Command, type Init, type Ready } from "./protocol.js";

/** No (hardware) adapter here: the one failure the default backend choice passes over without a word. */
export class NoGpuAdapter extends DeviceError {}

interface WorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  terminate(): unknown;
}

/** Commands queued before they are posted: enough to keep the GPU busy while the model's thread works on. */
const BATCH = 64;
/** How long a download may take before the backend gives up on the GPU (a hung driver, a lost worker). */
const WAIT_MS = 600_000;

/**
 * The Device (src/backend/device) for a GPU owned by a worker (./worker.ts): it queues commands and posts them in
 * batches; download() and sync() post what is queued and block in Atomics.wait until the worker has answered.
 * So it needs a thread that may block (Node's threads, a browser's workers, not a browser's main thread).
 */
export class WorkerDevice implements Device {
  readonly name = "webgpu";
  private queued: Command[] = [];
  private transfer: ArrayBuffer[] = [];
  private nextId = 1;
  private staging = new SharedArrayBuffer(1 << 16);
  private disposed = false;

  private constructor(private readonly worker: WorkerLike, readonly adapter: AdapterReport, private readonly control: Int32Array) {}

  /**
   * Starts the worker and its device; throws one line when there is no adapter (a NoGpuAdapter; with hardwareOnly
   * also where the only one is a software adapter) or the package is missing.
   */
  static async start({ hardwareOnly = false }: { hardwareOnly?: boolean } = {}): Promise<WorkerDevice> {
    if (!canBlock()) {
      throw new Error("webgpu backend: this thread cannot wait for the GPU (a browser's main thread); run the model in a worker");
    }
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    // new Worker(new URL("./worker.js", import.meta.url)) written out in each branch: that form is what a bundler
    // (Vite: the page's dev server and build) recognises, resolving ./worker.js to worker.ts and bundling it
    let worker: WorkerLike;
    let ready: Ready;
    if (isNode()) {
      const { Worker } = await import("node:worker_threads");
      const w = new Worker(new URL("./worker.js", import.meta.url));
      ready = await new Promise<Ready>((resolve, reject) => {
        w.once("error", reject);
        w.once("message", (m: Ready) => resolve(m));
        w.postMessage({ init: { control, hardwareOnly } satisfies Init });
      });
      w.unref(); // an idle GPU worker must not keep the process alive
      worker = { postMessage: (m, t) => w.postMessage(m, t), terminate: () => w.terminate() };
    } else {
      const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
      ready = await new Promise<Ready>((resolve, reject) => {
        w.onerror = (e) => reject(new Error(`webgpu backend: the GPU worker failed to start: ${e.message}`));
        w.onmessage = (e) => resolve(e.data as Ready);
        w.postMessage({ init: { control, hardwareOnly } satisfies Init });
      });
      worker = w;
    }
    if (!ready.ok) {
      await worker.terminate();
      const message = `webgpu backend: ${ready.error}`;
      throw ready.none ? new NoGpuAdapter(message) : new DeviceError(message);
    }
    const device = new WorkerDevice(worker, ready.adapter, new Int32Array(control));
    // Node ends a worker thread at exit wherever it is; one ended inside a Dawn call aborts the process (a napi
    // throw during teardown), so exit waits for the worker to be idle first (a sync: Atomics.wait works in an
    // exit handler). A failure reported then is too late to matter.
    if (isNode()) {
      process.once("exit", () => {
        if (device.disposed) return; // its worker is gone: a wait would never be answered
        try {
          device.sync();
        } catch {
          // the process is ending: the error has nowhere to go
        }
      });
    }
    return device;
  }

  alloc(bytes: number): number {
    const id = this.nextId++;
    this.push({ op: "alloc", id, bytes });
    return id;
  }

  free(id: number): void {
    this.push({ op: "free", id });
  }

  upload(id: number, bytes: Uint8Array): void {
    const data = bytes.slice().buffer; // a copy the worker takes over (transferred, not cloned again)
    this.transfer.push(data);
    this.push({ op: "upload", id, data });
  }

  run(kernel: string, args: unknown[]): void {
    this.push({ op: "run", kernel, args });
  }

  download(id: number, into: Uint8Array): void {
    if (this.staging.byteLength < into.byteLength) this.staging = new SharedArrayBuffer(into.byteLength);
    this.queued.push({ op: "download", id, bytes: into.byteLength, into: this.staging });
    this.wait("download");
    into.set(new Uint8Array(this.staging, 0, into.byteLength));
  }

  sync(): void {
    this.queued.push({ op: "sync" });
    this.wait("sync");
  }

  memory(): DeviceMemory {
    const into = new SharedArrayBuffer(32);
    this.queued.push({ op: "memory", into });
    this.wait("memory report");
    const [buffers, bytes, free, pipelines] = new Float64Array(into);
    return { buffers, bytes, free, pipelines };
  }

  /**
   * Destroys the GPU device in the worker (GPUDevice.destroy()), as a driver reset or a removed GPU would lose it:
   * for tests of what a lost device does to a training run or a page.
   */
  simulateLoss(): void {
    this.push({ op: "destroy" });
    this.post();
  }

  dispose(): void {
    // the worker is ended only when idle: one ended inside a Dawn call aborts the process (a napi throw), as at exit
    try {
      this.sync();
    } catch {
      // a failure reported now has no caller left to go to
    }
    this.disposed = true;
    void this.worker.terminate();
  }

  private push(c: Command): void {
    this.queued.push(c);
    if (this.queued.length >= BATCH) this.post();
  }

  private post(): void {
    if (!this.queued.length) return;
    this.worker.postMessage({ batch: this.queued }, this.transfer);
    this.queued = [];
    this.transfer = [];
  }

  private wait(what: string): void {
    if (this.disposed) throw new Error(`webgpu backend: a ${what} after dispose(): the GPU worker has ended`);
    Atomics.store(this.control, STATE, WAITING);
    this.post();
    if (Atomics.wait(this.control, STATE, WAITING, WAIT_MS) === "timed-out") {
      throw new DeviceError(`webgpu backend: the GPU did not answer a ${what} within ${WAIT_MS / 1000} s`);
    }
    if (Atomics.load(this.control, STATE) === FAILED) {
      const n = Atomics.load(this.control, ERROR_LENGTH);
      const text = new TextDecoder().decode(new Uint8Array(this.control.buffer, ERROR_TEXT_BYTE, n).slice());
      throw new DeviceError(`webgpu backend: ${text}`);
    }
    if (Atomics.load(this.control, STATE) !== DONE) throw new DeviceError(`webgpu backend: the GPU worker's answer to a ${what} is unreadable`);
  }
}

