/**
 * `bench serve`: the HTTP server under load on loopback. For each mode (batching on, then off) it starts
 * `transformer serve` as a child process on a free port, has autocannon (a real load generator) keep N
 * connections busy for T seconds sending test verses one per request, and reports sentences/s, latency
 * percentiles, errors and the server's peak RSS (Linux: VmHWM). autocannon is a devDependency: the command
 * says how to install it where it is missing.
 */
import * as fs from "node:fs";
import { readTsv } from "../data/files.js";
import { OptionError } from "../errors.js";
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
  sentences_per_s: number;
  latency_ms: { p50: number; p95: number; p99: number };
  ok: number;
  errors: number;
  peak_rss_mib: number | null;
}

export async function benchServe(o: ServeBenchOptions): Promise<ServeBenchRun[]> {
  let autocannon: typeof import("autocannon");
  try {
    autocannon = (await import("autocannon")).default;
  } catch {
    throw new OptionError("bench serve needs autocannon, a devDependency: npm install autocannon");
  }
  const verses = readTsv(o.data, { columns: ["english"] }).rows.map((r) => r[0]).slice(0, o.verses ?? 200);
  const runs: ServeBenchRun[] = [];
  for (const batching of [true, false]) {
    const server = await startServeChild(o.checkpoint, { args: batching ? [] : ["--no-batching"] });
    try {
      o.log?.(`batching ${batching ? "on" : "off"}: ${o.connections} connections for ${o.seconds} s against ${server.url}`);
      let next = 0;
      const latencies: number[] = [];
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
      latencies.sort((a, b) => a - b);
      const at = (q: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10 : NaN);
      runs.push({
        batching,
        sentences_per_s: Math.round((latencies.length / o.seconds) * 10) / 10,
        latency_ms: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
        ok: latencies.length,
        errors: result.errors + result.timeouts + result.non2xx,
        peak_rss_mib: peakRssMiB(server.pid),
      });
    } finally {
      // wait for it to exit, so that the next mode does not share the cores with a draining server
      await server.stop();
    }
  }
  return runs;
}

/** The process's peak resident set (VmHWM), where /proc has it. */
function peakRssMiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}
