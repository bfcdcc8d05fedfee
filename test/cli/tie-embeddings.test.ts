import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { smallCorpus } from "../helpers/train-fixtures.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

test("train --tie-embeddings: one matrix for both embeddings and the projection, trained as one", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tie-"));
  const data = smallCorpus(40, tmp);
  const out = path.join(tmp, "run");
  const r = run("train", "--data", data, "--out", out, "--steps", "3", "--vocab-size", "300", "--max-len", "48", "--batch-tokens", "300", "--tie-embeddings");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8")).tie_word_embeddings, true);
  const t = readSafetensors(path.join(out, "model.safetensors")).tensors;
  const e = t.get("src_embed.weight")!.data;
  assert.deepEqual(t.get("tgt_embed.weight")!.data, e);
  assert.deepEqual(t.get("generator.weight")!.data, e);
  // the three names were trained together: the shared matrix is not the untied run's source embedding
  const untied = path.join(tmp, "untied");
  assert.equal(run("train", "--data", data, "--out", untied, "--steps", "3", "--vocab-size", "300", "--max-len", "48", "--batch-tokens", "300").status, 0);
  const u = readSafetensors(path.join(untied, "model.safetensors")).tensors;
  assert.notDeepEqual(u.get("generator.weight")!.data, u.get("src_embed.weight")!.data);
  assert.equal(run("translate", "--checkpoint", out, "God is love.").status, 0);
});

test("train --tie-embeddings --separate-vocab is refused in one line naming both flags", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tie-"));
  const r = run("train", "--data", smallCorpus(10, tmp), "--out", path.join(tmp, "run"), "--steps", "1", "--tie-embeddings", "--separate-vocab");
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "transformer: --tie-embeddings needs one vocabulary for source and target; drop --separate-vocab\n");
  assert.ok(!fs.existsSync(path.join(tmp, "run")));
});
