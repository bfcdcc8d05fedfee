import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { benchServe } from "../../src/bench/serve.js";
import { DEMO, ROOT } from "./helpers.js";

test("bench serve: both modes answer every request of a short load, and report what they measured", async () => {
  const runs = await benchServe({ checkpoint: DEMO, data: path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"), connections: 2, seconds: 1, verses: 20 });
  assert.deepEqual(runs.map((r) => r.batching), [true, false]);
  for (const r of runs) {
    assert.ok(r.ok > 0, JSON.stringify(r));
    assert.equal(r.errors, 0);
    assert.ok(r.latency_ms.p50 <= r.latency_ms.p95 && r.latency_ms.p95 <= r.latency_ms.p99);
  }
});
