import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { benchServeFault } from "../../src/bench/fault.js";
import { benchServe, failures } from "../../src/bench/serve.js";
import { formatFault, formatServeRuns } from "../../src/bench/serve-report.js";
import { DEMO, ROOT } from "./helpers.js";

const DATA = path.join(ROOT, "data/bible/web-sparv.test.tsv.gz");

test("bench serve: both modes answer every request of a short load, and report what they measured", async () => {
  const runs = await benchServe({ checkpoint: DEMO, data: DATA, connections: 2, seconds: 3, verses: 20 });
  assert.deepEqual(runs.map((r) => r.batching), [true, false]);
  for (const r of runs) {
    assert.ok(r.ok > 0, JSON.stringify(r));
    assert.deepEqual(r.failures, { queue_full_503: 0, other_status: {}, timeouts: 0, connection_errors: 0, failed_otherwise: 0 });
    assert.ok(r.latency_ms.p50 <= r.latency_ms.p95 && r.latency_ms.p95 <= r.latency_ms.p99 && r.latency_ms.p99 <= r.latency_ms.max);
    if (process.platform === "linux") {
      // a sample at 0 s, 1 s, 2 s (the start, after the 2 s warm-up) and the last one as the load stops
      assert.ok(r.rss_mib.samples.length >= 3, JSON.stringify(r.rss_mib));
      assert.equal(r.rss_mib.end, r.rss_mib.samples.at(-1));
      assert.ok(r.rss_mib.start! > 0 && r.rss_mib.peak! >= Math.max(...r.rss_mib.samples));
      assert.equal(r.rss_mib.growth, Math.round((r.rss_mib.end! - r.rss_mib.start!) * 10) / 10);
    }
  }
  assert.match(formatServeRuns(runs), /^batching +sentences\/s .* 503 +failed .*growth +peak MiB\non /);
  // the kernels the server printed before it listened (it picks them as any command does: the fastest that loads)
  for (const r of runs) assert.match(r.backend, /^(native|wasm-relaxed|wasm-simd|js)( \(\d+ threads?\))?$/);
  assert.match(formatServeRuns(runs), new RegExp(`\nserver backend: ${runs[0].backend.replace(/[()]/g, "\\$&")}\n`));
});

test("bench serve: the documented 503 is kept apart from every other failure", () => {
  assert.deepEqual(failures({ 503: 3, 504: 1, 500: 2 }, 4, 5), {
    queue_full_503: 3, other_status: { 500: 2, 504: 1 }, timeouts: 4, connection_errors: 5, failed_otherwise: 12,
  });
});

test("bench serve --fault: a short run's report accounts for every request, and the new server answers", async () => {
  const f = await benchServeFault({ checkpoint: DEMO, data: DATA, connections: 2, seconds: 3, killAfterSeconds: 1, verses: 20 });
  const q = f.requests;
  const sum = (m: Record<string, number>) => Object.values(m).reduce((s, n) => s + n, 0);
  assert.equal(q.total, q.ok + q.queue_full_503 + q.reset + q.refused + q.hung + sum(q.other_status) + sum(q.other_errors));
  assert.equal(q.ok, q.ok_old_server + q.ok_new_server);
  assert.ok(q.ok_old_server > 0 && q.ok_new_server > 0, JSON.stringify(f));
  assert.equal(f.failed_otherwise, 0, JSON.stringify(f));
  assert.ok(f.restart.spawn_to_first_200_ms !== null && f.restart.spawn_to_first_200_ms >= f.restart.spawn_to_listening_ms);
  assert.deepEqual(f.after, { healthz: 200, translate: 200 });
  assert.match(formatFault(f), /hung \(no answer within 10 s\): 0;/);
  assert.match(f.backend, /^(native|wasm-relaxed|wasm-simd|js)( \(\d+ threads?\))?$/, "the servers' kernels, as the first printed them");
  assert.ok(formatFault(f).includes(`; backend ${f.backend}\n`), "the report names the backend");
});
