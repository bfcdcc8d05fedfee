/**
 * Worker threads sharing one WebAssembly.Memory. The main thread hands each worker one task through a slot of a
 * shared control block (tasks.ts), does its own share, then blocks (Atomics.wait) until every worker has
 * finished: the Backend stays synchronous. How work is split is the callers' business (gemm.ts, kernels.ts); they
 * split it so that results are the same run to run.
 */
import { canBlock, isNode } from "../runtime.js";
import type { KernelExports } from "./loader.js";
import {
  ARGS_BYTE, DONE, ERR, FN, MAX_ARGS, NARGS, QUIT, SEQ, SLOT_BYTES, SLOT_INTS, SPIN, TAKE_TIMEOUT_MS, TAKEN, TASKS,
  type TaskName,
} from "./tasks.js";
import type { WorkerInit } from "./worker.js";

export interface Task {
  fn: TaskName;
  args: number[];
}

interface WorkerHandle {
  terminate(): Promise<unknown> | void;
}

const TASK_INDEX = new Map<string, number>(TASKS.map((name, i) => [name, i]));


async function spawnNode(init: WorkerInit): Promise<WorkerHandle> {
  const { Worker } = await import("node:worker_threads");
  const worker = new Worker(new URL("./worker.js", import.meta.url));
  await new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", () => {
      worker.off("error", reject);
      resolve();
    });
    worker.postMessage(init);
  });
  // a worker parked in Atomics.wait must not keep the process alive
  worker.unref();
  return worker;
}

async function spawnBrowser(init: WorkerInit): Promise<WorkerHandle> {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  await new Promise<void>((resolve, reject) => {
    worker.onerror = (e) => reject(new Error(`wasm backend: worker failed to start: ${e.message}`));
    worker.onmessage = () => resolve();
    worker.postMessage(init);
  });
  worker.onmessage = null;
  worker.onerror = null;
  return worker;
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array[];
  /** Whether this thread may sleep in Atomics.wait (else it spins). */
  readonly blocking = canBlock();
  private disposed = false;
  /** The sequence numbers the workers of the current run will report when done. */
  private pending: number[] = [];

  private constructor(
    private readonly main: KernelExports,
    private readonly workers: WorkerHandle[],
    control: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(control);
    this.args = workers.map((_, w) => new Float64Array(control, w * SLOT_BYTES + ARGS_BYTE, MAX_ARGS));
  }

  /** A pool of `threads` threads in all: the calling thread and threads − 1 workers. */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, main: KernelExports,
    threads: number): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(Math.max(1, threads - 1) * SLOT_BYTES);
    const spawn = isNode() ? spawnNode : spawnBrowser;
    const workers = await Promise.all(
      Array.from({ length: threads - 1 }, (_, slot) => spawn({ module, memory, control, slot })),
    );
    return new ThreadPool(main, workers, control);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs tasks[0] here and tasks[1..] on workers 0.., and returns when all have finished. */
  run(tasks: Task[]): void {
    const [first, ...rest] = tasks;
    this.runWith(first ? () => (this.main[first.fn] as (...a: number[]) => void)(...first.args) : null, rest);
  }

  /**
   * Hands workerTasks to workers 0.., runs onMain here meanwhile, and returns when all have finished. onMain may
   * wait on the workers' progress; workersFinished tells it when waiting is pointless.
   */
  runWith(onMain: (() => void) | null, workerTasks: Task[]): void {
    if (this.disposed) throw new Error("wasm backend: used after dispose()");
    if (workerTasks.length > this.workers.length) {
      throw new Error(`wasm backend: ${workerTasks.length} tasks for ${this.workers.length} workers`);
    }
    const ctl = this.ctl;
    const seqs: number[] = [];
    workerTasks.forEach((t, w) => {
      const base = w * SLOT_INTS;
      if (t.args.length > MAX_ARGS) throw new Error(`wasm backend: ${t.fn} has more than ${MAX_ARGS} arguments`);
      ctl[base + FN] = TASK_INDEX.get(t.fn) ?? QUIT;
      ctl[base + NARGS] = t.args.length;
      this.args[w].set(t.args);
      const seq = (ctl[base + SEQ] + 1) | 0;
      seqs.push(seq);
      Atomics.store(ctl, base + SEQ, seq); // publishes the fields written above
      Atomics.notify(ctl, base + SEQ);
    });
    this.pending = seqs;
    let mainError: unknown = null;
    if (onMain) {
      try {
        onMain();
      } catch (e) {
        mainError = e;
      }
    }
    let failed = -1;
    for (let w = 0; w < seqs.length; w++) {
      const base = w * SLOT_INTS;
      let d = Atomics.load(ctl, base + DONE);
      for (let i = 0; d !== seqs[w] && i < SPIN; i++) d = Atomics.load(ctl, base + DONE);
      const start = Date.now();
      while (d !== seqs[w]) {
        if (this.blocking) Atomics.wait(ctl, base + DONE, d, 1000);
        d = Atomics.load(ctl, base + DONE);
        if (d !== seqs[w] && Atomics.load(ctl, base + TAKEN) !== seqs[w] && Date.now() - start > TAKE_TIMEOUT_MS) {
          this.disposed = true; // a worker is gone: this pool cannot be trusted any more
          throw new Error(`wasm backend: worker ${w} did not take its task (${workerTasks[w].fn}) within ` +
            `${TAKE_TIMEOUT_MS / 1000} s`);
        }
      }
      if (ctl[base + ERR] !== 0) failed = w;
    }
    this.pending = [];
    if (mainError !== null) throw mainError;
    if (failed >= 0) throw new Error(`wasm backend: ${workerTasks[failed].fn} failed on worker ${failed} (see its error above)`);
  }

  /** Whether every worker of the current run has finished its task. */
  workersFinished(): boolean {
    return this.pending.every((seq, w) => Atomics.load(this.ctl, w * SLOT_INTS + DONE) === seq);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (let w = 0; w < this.workers.length; w++) {
      const base = w * SLOT_INTS;
      this.ctl[base + FN] = QUIT;
      Atomics.store(this.ctl, base + SEQ, (this.ctl[base + SEQ] + 1) | 0);
      Atomics.notify(this.ctl, base + SEQ);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
