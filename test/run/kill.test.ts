import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { metricLines, seeded, temporaries, trainToEnd, trainWithKills } from "./kill-harness.js";
import { smallCorpus } from "../helpers/train-fixtures.js";

const STEPS = 40;

test("SIGKILL at random moments, resumed each time: the run ends byte-identical to an uninterrupted one, with no temporaries", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kill-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const data = smallCorpus(40, tmp);
  const args = ["--data", data, "--valid", data, "--steps", String(STEPS), "--save-every", "3", "--eval-every", "5", "--log-every", "1",
    "--keep", "2", "--vocab-size", "300", "--max-len", "48", "--batch-tokens", "300", "--warmup", "4", "--valid-batches", "1", "--seed", "3"];
  const ref = path.join(tmp, "ref");
  assert.equal(await trainToEnd([...args, "--out", ref]), "finished");
  const seed = Date.now() % 1_000_000;
  const rng = seeded(seed);
  let landed = 0;
  let midSave = 0;
  for (let trial = 0; trial < 2; trial++) {
    const out = path.join(tmp, `killed-${trial}`);
    const k = await trainWithKills(args, out, { kills: 3, steps: STEPS, saveEvery: 3 }, rng);
    landed += k.landed;
    midSave += k.midSave;
    const why = `trial ${trial}, seed ${seed}`;
    for (const f of ["model.safetensors", "optimizer.safetensors", "best/model.safetensors"]) {
      assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(ref, f))), `${f} differs (${why})`);
    }
    assert.deepEqual(fs.readdirSync(path.join(out, "checkpoints")), fs.readdirSync(path.join(ref, "checkpoints")), why);
    assert.deepEqual(metricLines(out), metricLines(ref), `metrics.jsonl (${why})`);
    assert.deepEqual(temporaries(out), [], why);
  }
  assert.ok(landed >= 3, `only ${landed} of 6 kills landed before the runs ended (seed ${seed})`);
  t.diagnostic(`${landed} kills, ${midSave} of them inside a save (seed ${seed})`);
});
