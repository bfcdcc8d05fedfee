/**
 * The server's counters in the Prometheus text format (version 0.0.4), kept by hand: a handful of series does
 * not need a client library. Label values are only the server's own route names and status codes, never
 * anything a client sent (no unbounded series, no header values).
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]++;
    });
    this.sum += v;
    this.count++;
  }
  lines(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : "";
    const out = this.buckets.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`);
    out.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    const braces = labels ? `{${labels}}` : "";
    out.push(`${name}_sum${braces} ${this.sum}`, `${name}_count${braces} ${this.count}`);
    return out;
  }
}

export class Metrics {
  private readonly requests = new Map<string, number>(); // `route\tstatus` → count
  private readonly latency = new Map<string, Histogram>(); // route → seconds
  private readonly batchSizes = new Histogram(BATCH_BUCKETS);
  private generatedTokens = 0;
  private decodeSeconds = 0;
  private lastTokensPerSecond = 0;

  constructor(private readonly queueDepth: () => number) {}

  request(route: string, status: number, seconds: number): void {
    const k = `${route}\t${status}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram(LATENCY_BUCKETS)));
    h.observe(seconds);
  }

  /** One decoded batch: its rows (texts), the tokens it generated and how long it took. */
  batch(rows: number, tokens: number, seconds: number): void {
    this.batchSizes.observe(rows);
    this.generatedTokens += tokens;
    this.decodeSeconds += seconds;
    if (seconds > 0) this.lastTokensPerSecond = tokens / seconds;
  }

  text(): string {
    const out: string[] = [
      "# HELP transformer_requests_total Requests answered, by route and HTTP status.",
      "# TYPE transformer_requests_total counter",
    ];
    for (const [k, n] of [...this.requests].sort()) {
      const [route, status] = k.split("\t");
      out.push(`transformer_requests_total{route="${route}",status="${status}"} ${n}`);
    }
    out.push("# HELP transformer_request_duration_seconds Time from a request's arrival to its last byte.", "# TYPE transformer_request_duration_seconds histogram");
    for (const [route, h] of [...this.latency].sort()) out.push(...h.lines("transformer_request_duration_seconds", `route="${route}"`));
    out.push("# HELP transformer_batch_size Texts decoded together in one batch.", "# TYPE transformer_batch_size histogram");
    out.push(...this.batchSizes.lines("transformer_batch_size", ""));
    out.push(
      "# HELP transformer_queue_depth Requests waiting for the model.", "# TYPE transformer_queue_depth gauge", `transformer_queue_depth ${this.queueDepth()}`,
      "# HELP transformer_generated_tokens_total Tokens generated (translations, continuations).", "# TYPE transformer_generated_tokens_total counter",
      `transformer_generated_tokens_total ${this.generatedTokens}`,
      "# HELP transformer_decode_seconds_total Time spent decoding batches.", "# TYPE transformer_decode_seconds_total counter",
      `transformer_decode_seconds_total ${this.decodeSeconds}`,
      "# HELP transformer_tokens_per_second Generated tokens per second in the last batch.", "# TYPE transformer_tokens_per_second gauge",
      `transformer_tokens_per_second ${this.lastTokensPerSecond}`,
    );
    return out.join("\n") + "\n";
  }
}
