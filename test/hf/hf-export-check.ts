/** What the BERT and Marian export tests check of an export against the folder transformers saved. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readSafetensors } from "../../src/models/safetensors-file.js";

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
export const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
export const readJson = (dir: string, name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
export const tmp = (prefix: string) => fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", prefix));

/** export --format hf of `checkpoint` into a new folder; its path. */
export function exported(checkpoint: string): string {
  const out = path.join(tmp("hf-export-"), "hf");
  const r = run("export", "--format", "hf", "--checkpoint", checkpoint, "--out", out);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** Every tensor of `theirs`' model.safetensors is in `ours`' under its name, of its shape and bytes, and no other. */
export function sameTensors(ours: string, theirs: string): number {
  const a = readSafetensors(path.join(ours, "model.safetensors")), b = readSafetensors(path.join(theirs, "model.safetensors"));
  assert.deepEqual([...a.tensors.keys()].sort(), [...b.tensors.keys()].sort());
  for (const [name, t] of b.tensors) {
    const o = a.tensors.get(name)!;
    assert.deepEqual(o.shape, t.shape, name);
    assert.ok(Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name);
  }
  assert.equal(a.metadata.format, "pt"); // from_pretrained reads safetensors marked "pt"
  return b.tensors.size;
}

/** config.json holds transformers' keys and values (all but transformers_version, which is not ours to write). */
export function sameConfig(ours: string, theirs: string): void {
  const a = readJson(ours, "config.json"), b = readJson(theirs, "config.json");
  delete b.transformers_version;
  assert.deepEqual(a, b);
  assert.deepEqual(Object.keys(a), Object.keys(a).sort(), "sorted, as save_pretrained writes them");
}

/** The named files are byte-identical in both folders. */
export function sameFiles(ours: string, theirs: string, names: readonly string[]): void {
  for (const n of names) assert.ok(fs.readFileSync(path.join(ours, n)).equals(fs.readFileSync(path.join(theirs, n))), n);
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
