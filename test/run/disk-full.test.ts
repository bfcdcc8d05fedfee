import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/backend/select.js";
import { TransformerError } from "../../src/errors.js";
import { loadForInference, trainModel } from "../../src/run/index.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";
import { temporaries } from "./kill-harness.js";

await useBackend();

test("a disk that fills up during a save: one line naming the file, the last checkpoint stays current, and the run resumes", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "disk-full-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const data = smallCorpus(40, tmp);
  const full = path.join(tmp, "full");
  await trainModel(tinyOptions(data, full, 4));
  const out = path.join(tmp, "run");
  await trainModel(tinyOptions(data, out, 2));
  const before = fs.readFileSync(path.join(out, "model.safetensors"));
  // the disk is full when the save of step 4 writes Adam's moments (the largest file) into its new checkpoint
  const realOpen = fs.openSync.bind(fs) as (...a: unknown[]) => number;
  const realWrite = fs.writeSync.bind(fs) as (...a: unknown[]) => number;
  const files = new Map<number, string>();
  const open = t.mock.method(fs, "openSync", (...a: unknown[]) => {
    const fd = realOpen(...a);
    files.set(fd, String(a[0]));
    return fd;
  });
  const write = t.mock.method(fs, "writeSync", (...a: unknown[]) => {
    if (/\.step-\d+\.tmp-\d+\/\.optimizer\.safetensors\./.test(files.get(a[0] as number) ?? "")) {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    }
    return realWrite(...a);
  });
  await assert.rejects(trainModel({ ...tinyOptions(data, out, 4), resume: out }), (e: unknown) => {
    assert.ok(e instanceof TransformerError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, /^\S+\/checkpoints\/\.step-0000004\.tmp-\d+\/optimizer\.safetensors: cannot write \(ENOSPC/);
    return true;
  });
  open.mock.restore();
  write.mock.restore();
  assert.ok(fs.readFileSync(path.join(out, "model.safetensors")).equals(before));
  loadForInference(out);
  await trainModel({ ...tinyOptions(data, out, 4), resume: out });
  for (const f of ["model.safetensors", "optimizer.safetensors"]) assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(full, f))), f);
  assert.deepEqual(temporaries(out), []);
});
