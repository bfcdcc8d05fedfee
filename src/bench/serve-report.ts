/** The printed form of `bench serve` and `bench serve --fault` (the JSON form is their results as they are). */
import type { FaultReport } from "./fault.js";
import type { ServeBenchRun } from "./serve.js";

const show = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? "-" : String(x));
const signed = (x: number | null) => (x === null ? "-" : (x > 0 ? "+" : "") + x);
const byCode = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => `${k} × ${n}`).join(", ") || "none";

/** One row per mode; failures that are not the documented 503 are spelled out under the table. */
export function formatServeRuns(runs: ServeBenchRun[]): string {
  const head = ["batching", "sentences/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "ok", "503", "failed", "RSS start", "RSS end", "growth", "peak MiB"];
  const rows = runs.map((r) => [
    r.batching ? "on" : "off", show(r.sentences_per_s), show(r.latency_ms.p50), show(r.latency_ms.p95), show(r.latency_ms.p99), show(r.latency_ms.max),
    show(r.ok), show(r.failures.queue_full_503), show(r.failures.failed_otherwise),
    show(r.rss_mib.start), show(r.rss_mib.end), signed(r.rss_mib.growth), show(r.rss_mib.peak),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [line(head), ...rows.map(line)];
  const r0 = runs[0];
  if (r0) out.push(`server backend: ${[...new Set(runs.map((r) => r.backend))].join(", ")}`);
  if (r0) out.push(`(${r0.connections} connections × ${r0.seconds} s per mode; "failed": other statuses, timeouts and connection errors; RSS in MiB, start after ${Math.max(2, 0.1 * r0.seconds)} s of load, growth = end − start)`);
  for (const r of runs) {
    const f = r.failures;
    if (f.failed_otherwise > 0) out.push(`batching ${r.batching ? "on" : "off"}: other statuses ${byCode(f.other_status)}; timeouts ${f.timeouts}; connection errors ${f.connection_errors}`);
  }
  return out.join("\n") + "\n";
}

export function formatFault(f: FaultReport): string {
  const q = f.requests;
  const r = f.restart;
  return [
    `${f.connections} clients, ${f.seconds} s planned; SIGKILL at ${f.kill_after_s} s, a new server on port ${f.port} at once; backend ${f.backend}`,
    `requests: ${q.total}; ok ${q.ok} (${q.ok_old_server} from the old server, ${q.ok_new_server} from the new one); 503 (queue full) ${q.queue_full_503}`,
    `connection errors: ${f.connection_errors} (${q.reset} reset: in flight when the server died; ${q.refused} refused: sent while nothing listened)`,
    `hung (no answer within ${f.timeout_s} s): ${q.hung}; the 200s took p50 ${show(f.latency_ms.p50)} ms, p99 ${show(f.latency_ms.p99)}, max ${show(f.latency_ms.max)}`,
    `failed otherwise: ${f.failed_otherwise} (other statuses: ${byCode(q.other_status)}; other client errors: ${byCode(q.other_errors)})`,
    `restart: the old process exited ${r.kill_to_exit_ms} ms after SIGKILL; the new one listened ${r.spawn_to_listening_ms} ms after its spawn, ` +
      `answered its first 200 ${show(r.spawn_to_first_200_ms)} ms after it (${show(r.kill_to_first_200_ms)} ms after the kill)`,
    `after the load: GET /healthz ${f.after.healthz}, POST /v1/translate ${f.after.translate}`,
  ].join("\n") + "\n";
}
