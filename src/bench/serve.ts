/**
 * `bench serve`: the HTTP server under load on loopback. For each mode (batching on, then off) it starts
 * `transformer serve` as a child process on a free port, has autocannon (a real load generator) keep N
 * connections busy for T seconds sending test verses one per request, and reports sentences/s, latency
 * percentiles, failures by kind and the server's memory over the run. autocannon is a devDependency: the
 * command says how to install it where it is missing.
 */
import { readTsv } from "../data/files.js";
import { OptionError } from "../errors.js";
import { type RssSummary, sampleRss } from "./rss.js";
import { startServeChild } from "./serve-child.js";

export interface ServeBenchOptions {
  checkpoint: string;
  /** TSV with an `english` column. */
  data: string;
  connections: number;
  seconds: number;
  /** Verses sent, the first ones of the file, in turn. @default 200 */
  verses?: number;
  /**
   * A request unanswered this long counts as a timeout (autocannon's --timeout). Longer than the server's own
   * deadline (--deadline-ms, 60 s), so that a slow answer shows as the server's 504 and a timeout means no answer.
   * @default 70
   */
  timeoutSeconds?: number;
  log?: (line: string) => void;
}

/**
 * Requests that did not get a 200, by kind. A 503 is the server's documented answer to a full queue
 * (--max-queue) and says "retry"; everything else is a failure a client would see as one.
 */
export interface ServeFailures {
  /** 503 Service Unavailable: the queue was full (Retry-After: 1). */
  queue_full_503: number;
  /** Every other non-200 status, by code (504: waited past --deadline-ms; 5xx: a bug). */
  other_status: Record<string, number>;
  /** No answer within the client's timeout (the connection is then dropped and reopened). */
  timeouts: number;
  /** Connections refused or reset (autocannon counts each failed connection, not each request). */
  connection_errors: number;
  /** other_status + timeouts + connection_errors: 0 means nothing failed but by the documented 503. */
  failed_otherwise: number;
}

export interface ServeBenchRun {
  batching: boolean;
  seconds: number;
  connections: number;
  sentences_per_s: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  ok: number;
  failures: ServeFailures;
  /** The server's memory in MiB (Linux), sampled once a second during the load. */
  rss_mib: RssSummary;
  /** The server's kernels, as it printed them (describeBackend). */
  backend: string;
}

/** The texts sent: the `english` column's first `count` rows. */
export function readVerses(file: string, count: number): string[] {
  return readTsv(file, { columns: ["english"] }).rows.map((r) => r[0]).slice(0, count);
}

export async function loadAutocannon(): Promise<typeof import("autocannon")> {
  try {
    return (await import("autocannon")).default;
  } catch {
    throw new OptionError("bench serve needs autocannon, a devDependency: npm install autocannon");
  }
}

export async function benchServe(o: ServeBenchOptions): Promise<ServeBenchRun[]> {
  const autocannon = await loadAutocannon();
  const verses = readVerses(o.data, o.verses ?? 200);
  const runs: ServeBenchRun[] = [];
  for (const batching of [true, false]) {
    const server = await startServeChild(o.checkpoint, { args: batching ? [] : ["--no-batching"] });
    try {
      o.log?.(`batching ${batching ? "on" : "off"}: ${o.connections} connections for ${o.seconds} s against ${server.url}`);
      let next = 0;
      const latencies: number[] = [];
      const statuses: Record<string, number> = {};
      const rss = sampleRss(server.pid, o.seconds);
      // the callback form returns the instance, whose "response" events give every request's status and latency
      const result = await new Promise<import("autocannon").Result>((resolve, reject) => {
        const instance = autocannon({
          url: server.url + "/v1/translate", connections: o.connections, duration: o.seconds, method: "POST",
          timeout: o.timeoutSeconds ?? 70,
          headers: { "content-type": "application/json" },
          requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ text: verses[next++ % verses.length] }) }) }],
        }, (err, r) => (err ? reject(err) : resolve(r)));
        instance.on("response", (_client, status, _bytes, ms) => {
          if (status === 200) latencies.push(ms);
          else statuses[status] = (statuses[status] ?? 0) + 1;
        });
      });
      const memory = rss.stop();
      runs.push({
        batching, seconds: o.seconds, connections: o.connections,
        sentences_per_s: Math.round((latencies.length / o.seconds) * 10) / 10,
        latency_ms: percentiles(latencies),
        ok: latencies.length,
        failures: failures(statuses, result.timeouts, result.errors - result.timeouts),
        rss_mib: memory,
        backend: server.backend,
      });
    } finally {
      // wait for it to exit, so that the next mode does not share the cores with a draining server
      await server.stop();
    }
  }
  return runs;
}

/** p50/p95/p99/max of latencies in ms, to 0.1 ms (NaN without any). */
export function percentiles(latencies: number[]): ServeBenchRun["latency_ms"] {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10 : NaN);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Sorts non-200 statuses into the documented 503 and the rest. */
export function failures(statuses: Record<string, number>, timeouts: number, connectionErrors: number): ServeFailures {
  const { "503": queueFull = 0, ...other } = statuses;
  const otherCount = Object.values(other).reduce((s, n) => s + n, 0);
  return {
    queue_full_503: queueFull, other_status: other, timeouts, connection_errors: connectionErrors,
    failed_otherwise: otherCount + timeouts + connectionErrors,
  };
}
