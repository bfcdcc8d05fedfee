/**
 * `bench serve`: the HTTP server under load on loopback. For each mode (batching on, then off) it starts
 * `transformer serve` as a child process on a free port, has autocannon (a real load generator) keep N
 * connections busy for T seconds sending test verses one per request, and reports sentences/s, latency
 * percentiles, errors and the server's memory over the run. autocannon is a devDependency: the
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
  log?: (line: string) => void;
}

export interface ServeBenchRun {
  batching: boolean;
  seconds: number;
  connections: number;
  sentences_per_s: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  ok: number;
  /** Non-200 answers, timeouts and connection errors. */
  errors: number;
  /** The server's memory in MiB (Linux), sampled once a second during the load. */
  rss_mib: RssSummary;
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
      const rss = sampleRss(server.pid, o.seconds);
      // the callback form returns the instance, whose "response" events give every request's latency
      const result = await new Promise<import("autocannon").Result>((resolve, reject) => {
        const instance = autocannon({
          url: server.url + "/v1/translate", connections: o.connections, duration: o.seconds, method: "POST",
          headers: { "content-type": "application/json" },
          requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ text: verses[next++ % verses.length] }) }) }],
        }, (err, r) => (err ? reject(err) : resolve(r)));
        instance.on("response", (_client, status, _bytes, ms) => {
          if (status === 200) latencies.push(ms);
        });
      });
      const memory = rss.stop();
      runs.push({
        batching, seconds: o.seconds, connections: o.connections,
        sentences_per_s: Math.round((latencies.length / o.seconds) * 10) / 10,
        latency_ms: percentiles(latencies),
        ok: latencies.length,
        errors: result.errors + result.timeouts + result.non2xx,
        rss_mib: memory,
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
