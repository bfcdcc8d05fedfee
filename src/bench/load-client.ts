/**
 * Closed-loop HTTP clients that account for every request: each of N clients sends one request, waits for its
 * answer or its deadline, and sends the next, over keep-alive connections (as autocannon does). The fault run
 * uses these instead of autocannon because it needs one outcome per request: autocannon counts connection
 * attempts (it reconnects at once, again and again, while nothing listens), and a request in flight on a
 * connection that the server closes is sent again on the next one, counted as an error only if the close was a
 * reset (autocannon 9, lib/httpClient.js).
 */
import * as http from "node:http";

export type OutcomeKind =
  | "ok" // 200
  | "status" // any other status (`status` says which)
  | "refused" // ECONNREFUSED: nothing listened on the port
  | "reset" // the connection closed before the answer was complete (ECONNRESET, EPIPE, "socket hang up")
  | "timeout" // no complete answer within the deadline: the request hung
  | "error"; // any other client-side error (`code` says which)

export interface Outcome {
  kind: OutcomeKind;
  status?: number;
  code?: string;
  /** performance.now() when it was sent and when its outcome was known. */
  sentAt: number;
  at: number;
}

export interface ClientsOptions {
  /** Full URL the requests are POSTed to. */
  url: string;
  connections: number;
  /** The body of the i-th request sent (across all clients). */
  body: (i: number) => string;
  /** A request not complete by then is abandoned and counted as a timeout. */
  deadlineMs: number;
  /** After a failure, the client waits this long before its next request, as a client that retries would. @default 100 */
  pauseAfterFailureMs?: number;
}

export interface Clients {
  /** Every outcome so far, in the order they were known. */
  readonly outcomes: readonly Outcome[];
  /** Lets each client finish its request in flight (bounded by the deadline), then resolves with every outcome. */
  stop(): Promise<Outcome[]>;
}

const CONNECTION_ERRORS: Record<string, OutcomeKind> = { ECONNREFUSED: "refused", ECONNRESET: "reset", EPIPE: "reset", ECONNABORTED: "reset" };

export function startClients(o: ClientsOptions): Clients {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const outcomes: Outcome[] = [];
  let stopping = false;
  let sent = 0;
  const pause = o.pauseAfterFailureMs ?? 100;
  const loop = async () => {
    while (!stopping) {
      const outcome = await send(o.url, o.body(sent++), o.deadlineMs, agent);
      outcomes.push(outcome);
      if (outcome.kind !== "ok" && !stopping) await new Promise((r) => setTimeout(r, pause));
    }
  };
  const loops = Array.from({ length: o.connections }, loop);
  return {
    outcomes,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
      return outcomes;
    },
  };
}

/** One POST, its outcome known by `deadlineMs` at the latest. */
export function send(url: string, body: string, deadlineMs: number, agent?: http.Agent): Promise<Outcome> {
  const sentAt = performance.now();
  return new Promise<Outcome>((resolve) => {
    let done = false;
    const finish = (o: Omit<Outcome, "sentAt" | "at">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...o, sentAt, at: performance.now() });
    };
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.on("data", () => {});
      res.on("end", () => finish(res.statusCode === 200 ? { kind: "ok" } : { kind: "status", status: res.statusCode }));
      // the server went away in the middle of the body
      res.on("error", (e: NodeJS.ErrnoException) => finish(errorOutcome(e)));
      res.on("close", () => finish({ kind: "reset", code: "ECONNRESET" }));
    });
    const timer = setTimeout(() => {
      finish({ kind: "timeout" });
      req.destroy();
    }, deadlineMs);
    req.on("error", (e: NodeJS.ErrnoException) => finish(errorOutcome(e)));
    req.end(body);
  });
}

function errorOutcome(e: NodeJS.ErrnoException): Omit<Outcome, "sentAt" | "at"> {
  const code = e.code ?? e.message;
  return { kind: CONNECTION_ERRORS[code] ?? "error", code };
}
