import { HttpError } from "./http-error.js";

/**
 * One request's share of the model's work. Jobs with the same `key` compute the same function of their items
 * (same model, same resolved options), so their items can be decoded in one call and split back; a job
 * without a key (sampling, whose generator would serve the whole batch; streaming) runs on its own.
 */
export interface Job<I, R> {
  key: string | undefined;
  items: I[];
  /** Each item's input length in tokens (for the batch budget). */
  lengths: number[];
  /** Rows each item takes while decoding (beam width; 1 otherwise). */
  width: number;
  /** Decodes the items of one batch, in order: one result per item. */
  run(items: I[]): R[] | Promise<R[]>;
}

interface Entry {
  job: Job<unknown, unknown>;
  arrived: number;
  resolve(results: unknown[]): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

export interface BatcherOptions {
  maxQueue: number;
  maxBatchTokens: number;
  maxWaitMs: number;
  batching: boolean;
  deadlineMs: number;
}

/**
 * Dynamic batching over one model: a bounded queue, and one batch decoded at a time. The oldest job opens a
 * batch; it waits up to maxWaitMs for jobs of its key to join, until they fill maxBatchTokens padded tokens
 * (longest item × items × width). Decoding is synchronous, so requests that arrive meanwhile queue up and form
 * the next batch. A job still waiting at its deadline is rejected with a 504; once its batch starts, it runs to
 * the end (a synchronous decode cannot be interrupted, and a stream has begun its answer).
 */
export class Batcher {
  private readonly queue: Entry[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: BatcherOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  /** Queues a job; rejects with a 413 when it alone is larger than a batch, a 503 when the queue is full, a 504 past the deadline. `signal` withdraws it. */
  submit<I, R>(job: Job<I, R>, signal?: AbortSignal): Promise<R[]> {
    // one request must fit one batch: that bounds what a single decode holds in memory
    const needs = Math.max(0, ...job.lengths) * job.lengths.length * job.width;
    if (needs > this.o.maxBatchTokens) {
      return Promise.reject(new HttpError(413, `the request needs ${needs} padded tokens (longest text × texts × beam), more than the ${this.o.maxBatchTokens} of a batch; send fewer texts or a smaller beam`));
    }
    if (this.queue.length >= this.o.maxQueue) {
      return Promise.reject(new HttpError(503, `the server is busy (${this.o.maxQueue} requests queued); retry shortly`, { "Retry-After": "1" }));
    }
    return new Promise<R[]>((resolve, reject) => {
      const entry: Entry = {
        job: job as Job<unknown, unknown>, arrived: Date.now(), resolve: resolve as (r: unknown[]) => void, reject,
        timer: setTimeout(() => {
          this.remove(entry);
          reject(new HttpError(504, `the request was not answered within its deadline of ${this.o.deadlineMs} ms`));
        }, this.o.deadlineMs),
      };
      signal?.addEventListener("abort", () => {
        if (!this.queue.includes(entry)) return; // its batch has started
        clearTimeout(entry.timer);
        this.remove(entry);
        reject(new HttpError(499, "the client went away"));
      }, { once: true });
      this.queue.push(entry);
      this.pump();
    });
  }

  /** Resolves once the queue is empty and nothing is being decoded. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private remove(entry: Entry): void {
    const i = this.queue.indexOf(entry);
    if (i >= 0) this.queue.splice(i, 1);
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.busy || this.queue.length > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    if (this.busy || this.queue.length === 0) return;
    const head = this.queue[0];
    const { batch, full } = this.gather(head);
    const wait = head.arrived + this.o.maxWaitMs - Date.now();
    if (!full && wait > 0 && this.o.batching && head.job.key !== undefined) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const e of batch) {
      this.queue.splice(this.queue.indexOf(e), 1);
      clearTimeout(e.timer);
    }
    this.busy = true;
    void this.execute(batch).finally(() => {
      this.busy = false;
      this.checkIdle();
      setImmediate(() => this.pump());
    });
  }

  /** The head and the queued jobs of its key that fit the budget with it, oldest first; `full` when one more did not fit. */
  private gather(head: Entry): { batch: Entry[]; full: boolean } {
    const batch = [head];
    if (head.job.key === undefined || !this.o.batching) return { batch, full: true };
    let longest = Math.max(0, ...head.job.lengths);
    let rows = head.job.lengths.length * head.job.width;
    for (const e of this.queue.slice(1)) {
      if (e.job.key !== head.job.key) continue;
      const l = Math.max(longest, ...e.job.lengths);
      const r = rows + e.job.lengths.length * e.job.width;
      if (l * r > this.o.maxBatchTokens) return { batch, full: true };
      batch.push(e);
      longest = l;
      rows = r;
    }
    return { batch, full: longest * rows >= this.o.maxBatchTokens };
  }

  private async execute(batch: Entry[]): Promise<void> {
    const items = batch.flatMap((e) => e.job.items);
    let results: unknown[];
    try {
      results = await batch[0].job.run(items);
    } catch (e) {
      for (const entry of batch) entry.reject(e);
      return;
    }
    let at = 0;
    for (const entry of batch) {
      entry.resolve(results.slice(at, at + entry.job.items.length));
      at += entry.job.items.length;
    }
  }
}
