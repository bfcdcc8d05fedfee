/**
 * A GPU lost under the model (GPUDevice.destroy(), as a driver reset does): the next read is one DeviceError line,
 * a training run says which checkpoint its folder still holds, and that checkpoint is whole: it is the step's own
 * files, it loads, and the run resumes from it on the CPU.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { setBackend } from "../../src/backend/index.js";
import { useCpuBackend } from "../../src/backend/select.js";
import type { WorkerDevice } from "../../src/backend/webgpu/proxy/client.js";
import { DeviceError } from "../../src/errors.js";
import { loadForInference, trainModel } from "../../src/run/index.js";
import { smallCorpus, tinyOptions } from "../helpers/train-fixtures.js";
import { webgpuBackendForTests } from "./webgpu-setup.js";

const cpu = await useCpuBackend();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "device-lost-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const data = smallCorpus(24, tmp);

/** A fresh WebGPU backend (a lost device stays lost), or why there is none. */
async function freshGpu() {
  return webgpuBackendForTests("device-lost tests");
}

const probe = await freshGpu();
probe.be?.dispose();

test("reads after the device is lost fail with one DeviceError line; a new backend works again", { skip: probe.skip }, async () => {
  const { be } = await freshGpu();
  try {
    setBackend(be!);
    const a = new Float32Array([1, 2, 3, 4]);
    const out = new Float32Array(4);
    be!.add(a, a, out, 4);
    be!.toHost(out);
    assert.deepEqual([...out], [2, 4, 6, 8]); // read back: the device works
    (be!.device as WorkerDevice).simulateLoss();
    be!.add(out, a, out, 4);
    assert.throws(() => be!.toHost(out), (e: unknown) => {
      assert.ok(e instanceof DeviceError, String(e));
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, /^webgpu backend: .*lost/i);
      return true;
    });
  } finally {
    setBackend(cpu);
    be?.dispose();
  }
  const { be: again } = await freshGpu();
  try {
    setBackend(again!);
    const b = new Float32Array([5, 6]);
    const o = new Float32Array(2);
    again!.add(b, b, o, 2);
    again!.toHost(o);
    assert.deepEqual([...o], [10, 12]);
  } finally {
    setBackend(cpu);
    again?.dispose();
  }
});

test("a GPU lost mid-run stops training with one line naming the step and the checkpoint kept; the folder loads and resumes on the CPU", { skip: probe.skip }, async () => {
  const out = path.join(tmp, "run");
  const opts = { ...tinyOptions(data, out, 5), saveEvery: 2, evalEvery: 2 };
  const { be } = await freshGpu();
  let lost = false;
  try {
    setBackend(be!);
    const run = trainModel(opts, {
      save: (_dir, step) => {
        if (step !== 2 || lost) return;
        lost = true;
        (be!.device as WorkerDevice).simulateLoss();
      },
    });
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof DeviceError, String(e));
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, new RegExp(`^step 3: webgpu backend: .*; ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} still holds the checkpoint of step 2$`));
      return true;
    });
  } finally {
    setBackend(cpu);
    be?.dispose();
  }
  assert.ok(lost);
  const state = JSON.parse(fs.readFileSync(path.join(out, "training_state.json"), "utf8"));
  assert.equal(state.step, 2);
  assert.ok(fs.readFileSync(path.join(out, "model.safetensors")).equals(fs.readFileSync(path.join(out, "checkpoints/step-0000002/model.safetensors"))));
  const { model } = loadForInference(out);
  assert.ok(model.parameters().every((p) => p.data.every(Number.isFinite)));
  const r = await trainModel({ resume: out, steps: 5 });
  assert.equal(r.step, 5);
  assert.ok(Number.isFinite(r.finalTrainLoss));
});
