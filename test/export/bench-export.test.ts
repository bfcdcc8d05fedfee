import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { nativeAvailable } from "../../src/backend/native/index.js";
import { benchExport } from "../../src/bench/export.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const leftovers = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("transformer-bench-export-"));

test("bench export: every setting's ids equal ONNX Runtime's on the tiny checkpoint, and the export folder is gone after", { skip: !nativeAvailable() && "the native backend is not built here" }, async () => {
  const before = new Set(leftovers());
  const lines: string[] = [];
  const r = await benchExport({
    checkpoint: path.join(ROOT, "test/fixtures/tiny-en-es"), data: path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"),
    sentences: 3, batchSize: 2, rounds: 1, threads: 1, log: (l) => lines.push(l),
  });
  assert.deepEqual(r.rows.map((x) => [x.search, x.batch_size]), [["greedy", 1], ["greedy", 2], ["beam 4", 1], ["beam 4", 2]]);
  for (const x of r.rows) {
    assert.equal(x.mismatches, 0, `${x.search} batch ${x.batch_size}`);
    assert.equal(x.ours.tokens, x.ort.tokens);
    assert.ok(x.ours.tokens > 0 && x.ours.seconds > 0 && x.ort.seconds > 0);
  }
  assert.equal(r.sentences, 3);
  assert.ok(lines.some((l) => l.startsWith("round 1/1 beam 4, batch 2:")), lines.join("\n"));
  assert.deepEqual(leftovers().filter((f) => !before.has(f)), []);
});

test("bench export: a flag below 1 is refused in one line naming it", async () => {
  await assert.rejects(benchExport({ checkpoint: "unused", data: "unused", rounds: 0 }), /must be an integer ≥ 1, got 0/);
});
