/**
 * `bench serve`: the HTTP server under load on loopback. For each mode (batching on, then off) it starts
 * `transformer serve` as a child process on a free port, has autocannon (a real load generator) keep N
 * connections busy for T seconds sending test verses one per request, and reports sentences/s, latency
 * percentiles, errors and the server's peak RSS (Linux: VmHWM). autocannon is a devDependency: the command
 * says how to install it where it is missing.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readTsv } from "../data/files.js";
import { OptionError } from "../errors.js";

export interface ServeBenchOptions {
  checkpoint: string;
  /** TSV with an `english` column. */
  data: string;
  connections: number;
  seconds: number;
  /** Verses used, the shortest first ones of the file in order (the tiny demo model's max_len is small). @default 200 */
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

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../cli/main.js");

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
    const child = spawn(process.execPath, [CLI, "serve", "--checkpoint", o.checkpoint, "--port", "0", ...(batching ? [] : ["--no-batching"])], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once("exit", (code) => reject(new Error(`serve exited with ${code} before listening`)));
      });
      o.log?.(`batching ${batching ? "on" : "off"}: ${o.connections} connections for ${o.seconds} s against ${url}`);
      let next = 0;
      const latencies: number[] = [];
      // the callback form returns the instance, whose "response" events give every request's latency
      const result = await new Promise<import("autocannon").Result>((resolve, reject) => {
        const instance = autocannon({
          url: url + "/v1/translate", connections: o.connections, duration: o.seconds, method: "POST",
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
        peak_rss_mib: peakRssMiB(child.pid!),
      });
    } finally {
      child.kill("SIGTERM");
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
