#!/usr/bin/env node
/**
 * The kill test at the size (not run in CI): tiny preset, 3,000 sentence pairs, 150 steps, a checkpoint
 * every 3 steps. Each trial SIGKILLs `transformer train` 5 times at random moments (half of them just after a save
 * began, so that many land inside it; see test/run/kill-harness.ts),
 * starting it again each time with --resume, and runs it to the end; the trial passes when model.safetensors,
 * optimizer.safetensors and best/model.safetensors are byte-identical to an uninterrupted run's, metrics.jsonl has
 * the same lines, checkpoints/ the same folders, and no temporary file is left. Prints how many trials passed.
 *
 *   npm run build && nice node scripts/kill-test.mjs [--trials 20] [--kills 5] [--steps 150] [--pairs 3000] [--seed N]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const harness = path.join(ROOT, "dist/test/run/kill-harness.js");
if (!fs.existsSync(harness)) {
  console.error("kill-test: build first (npm run build)");
  process.exit(1);
}
const { metricLines, seeded, temporaries, trainToEnd, trainWithKills } = await import(harness);

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "20" },
    kills: { type: "string", default: "5" },
    steps: { type: "string", default: "150" },
    pairs: { type: "string", default: "3000" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
  },
});
const [trials, kills, steps, pairs, seed] = ["trials", "kills", "steps", "pairs", "seed"].map((k) => Number(values[k]));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kill-test-"));
const lines = gunzipSync(fs.readFileSync(path.join(ROOT, "data/bible/web-sparv.train.tsv.gz"))).toString("utf8").split("\n");
const rows = lines.slice(1).filter(Boolean);
const write = (name, part) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, [lines[0], ...part].join("\n") + "\n");
  return f;
};
const data = write("train.tsv", rows.slice(0, pairs));
const valid = write("valid.tsv", rows.slice(pairs, pairs + 200));
const args = ["--data", data, "--valid", valid, "--preset", "tiny", "--steps", String(steps), "--save-every", "3", "--eval-every", "10",
  "--valid-batches", "2", "--log-every", "1", "--vocab-size", "2000", "--max-len", "64", "--batch-tokens", "1024", "--seed", "1"];

const t0 = Date.now();
const ref = path.join(tmp, "uninterrupted");
await trainToEnd([...args, "--out", ref]);
console.log(`uninterrupted run: ${((Date.now() - t0) / 1000).toFixed(0)} s; seed ${seed}; ${tmp}`);

const rng = seeded(seed);
const same = (dir, f) => fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(ref, f)));
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let passed = 0;
let landed = 0;
let midSave = 0;
for (let t = 0; t < trials; t++) {
  const out = path.join(tmp, `trial-${t}`);
  const k = await trainWithKills(args, out, { kills, steps, saveEvery: 3 }, rng);
  landed += k.landed;
  midSave += k.midSave;
  const problems = [
    ...["model.safetensors", "optimizer.safetensors", "best/model.safetensors"].filter((f) => !same(out, f)).map((f) => `${f} differs`),
    ...(eq(fs.readdirSync(path.join(out, "checkpoints")), fs.readdirSync(path.join(ref, "checkpoints"))) ? [] : ["checkpoints/ differs"]),
    ...(eq(metricLines(out), metricLines(ref)) ? [] : ["metrics.jsonl differs"]),
    ...temporaries(out).map((p) => `left ${path.relative(out, p)}`),
  ];
  if (problems.length === 0) {
    passed++;
    fs.rmSync(out, { recursive: true });
  }
  console.log(`trial ${t + 1}: ${k.landed} kills (${k.midSave} inside a save), ${problems.length === 0 ? "byte-identical" : problems.join("; ")}`);
}
console.log(`${passed} of ${trials} trials ended byte-identical to the uninterrupted run (${landed} kills landed, ${midSave} of them inside a save; ${((Date.now() - t0) / 60000).toFixed(1)} min)`);
process.exitCode = passed === trials ? 0 : 1;
