/**
 * Calls between the page and its workers. A call names a method and sends its params; the worker may send any
 * number of events back (streamed tokens, training progress) and then one result or one error.
 */

/** One method of a worker: what it takes, what it streams and what it returns. */
export interface Method {
  params: unknown;
  event: unknown;
  result: unknown;
}

/** A worker's methods by name. */
export type Api<A> = { [M in keyof A]: Method };

interface Call {
  id: number;
  method: string;
  params: unknown;
}

type Reply =
  /** Not an answer to a call: news of the worker itself (its backend changed). */
  | { id: 0; kind: "notice"; notice: unknown }
  | { id: number; kind: "event"; event: unknown }
  | { id: number; kind: "result"; result: unknown }
  | { id: number; kind: "error"; message: string };

interface Pending {
  onEvent?: (e: unknown) => void;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

/** The page's side of a worker. */
export class WorkerClient<A extends Api<A>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Sees the worker's notices (a recover hook's, see serveWorker). */
  onNotice: ((notice: unknown) => void) | null = null;

  constructor(private readonly worker: Worker, readonly name: string) {
    worker.onmessage = (e: MessageEvent<Reply>) => {
      const r = e.data;
      if (r.kind === "notice") {
        this.onNotice?.(r.notice);
        return;
      }
      const p = this.pending.get(r.id);
      if (!p) return;
      if (r.kind === "event") p.onEvent?.(r.event);
      else {
        this.pending.delete(r.id);
        if (r.kind === "result") p.resolve(r.result);
        else p.reject(new Error(r.message));
      }
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const err = new Error(`${name} worker: ${e.message || "failed to start"}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /** Calls `method`; `onEvent` sees what it streams before the result. */
  call<M extends keyof A & string>(
    method: M, params: A[M]["params"], onEvent?: (e: A[M]["event"]) => void, transfer: Transferable[] = [],
  ): Promise<A[M]["result"]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { onEvent: onEvent as (e: unknown) => void, resolve: resolve as (r: unknown) => void, reject });
      const call: Call = { id, method, params };
      this.worker.postMessage(call, transfer);
    });
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error(`${this.name} worker stopped`));
    this.pending.clear();
  }
}

/** What a method handler is given besides its params. */
export interface CallContext<E> {
  /** Sends an event to the caller now (also from inside a long synchronous loop). */
  emit(event: E, transfer?: Transferable[]): void;
}

export type Handlers<A extends Api<A>> = {
  [M in keyof A]: (params: A[M]["params"], ctx: CallContext<A[M]["event"]>) => Promise<A[M]["result"]> | A[M]["result"];
};

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Call>) => void) | null;
}

/**
 * What a worker does after a call fails, before the caller hears of it: null to pass the error on as it is, or the
 * message the call fails with instead, and a notice for the page (posted first) if there is news for it. A worker
 * whose GPU was lost moves to other kernels here.
 */
export type Recover = (err: unknown) => Promise<{ notice?: unknown; message: string } | null>;

/** The worker's side: runs each call's handler and posts its events and its result (or error) back. */
export function serveWorker<A extends Api<A>>(handlers: Handlers<A>, recover?: Recover): void {
  const scope = self as unknown as WorkerScope;
  scope.onmessage = async (e) => {
    const { id, method, params } = e.data;
    const post = (reply: Reply, transfer: Transferable[] = []) => scope.postMessage(reply, transfer);
    try {
      const handler = handlers[method as keyof A];
      if (!handler) throw new Error(`unknown method "${method}"`);
      const ctx: CallContext<unknown> = { emit: (event, transfer) => post({ id, kind: "event", event }, transfer) };
      const result = await handler(params as never, ctx as never);
      post({ id, kind: "result", result });
    } catch (err) {
      const recovered = recover ? await recover(err).catch(() => null) : null;
      if (recovered?.notice !== undefined) post({ id: 0, kind: "notice", notice: recovered.notice });
      post({ id, kind: "error", message: recovered?.message ?? (err instanceof Error ? err.message : String(err)) });
    }
  };
}
