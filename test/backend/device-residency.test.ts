/**
 * The device backend's residency protocol (src/backend/device/residency.ts) on the emulated device: arrays are
 * copied only when the other side holds the current values, and the checks turn a coherence bug in the layers
 * above (a host read or write that skipped toHost) into a failure instead of a stale number.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmulatedBackend } from "../../src/backend/device/emulated.js";
import { jsBackend } from "../../src/backend/index.js";

const rand = (n: number, seed = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3);

test("a kernel's output stays on the device until the host asks for it, then equals the reference", () => {
  const be = createEmulatedBackend();
  const x = rand(100), out = new Float32Array(100), want = new Float32Array(100);
  be.relu(x, out, 100);
  be.gelu(out, out, 100);
  assert.equal(be.stats().downloads, 0);
  assert.ok(Number.isNaN(out[3]), "the stale host copy is poisoned (check mode)");
  be.toHost(out);
  assert.equal(be.stats().downloads, 1);
  jsBackend.relu(x, want, 100);
  jsBackend.gelu(want, want, 100);
  assert.deepEqual(out, want);
});

test("an output the kernel overwrites whole is not uploaded; a partly written one is", () => {
  const be = createEmulatedBackend();
  const x = rand(64);
  be.relu(x, new Float32Array(64), 64);
  assert.equal(be.stats().uploads, 1, "x only");
  const big = new Float32Array(128);
  big[100] = 7; // outside what the kernel writes: must survive
  be.relu(x, big.subarray(0, 64), 64);
  assert.equal(be.stats().uploads, 2, "the partly written buffer is uploaded first");
  be.toHost(big);
  assert.equal(big[100], 7);
});

test("a host write that skipped toHost fails at the next kernel, in both states of the copy", () => {
  const be = createEmulatedBackend();
  const x = rand(16), out = new Float32Array(16);
  be.relu(x, out, 16); // x: both copies current
  x[0] = 42; // not announced
  assert.throws(() => be.relu(x, out, 16), /the host wrote byte 0 of a 64-byte array .* without toHost\(\) first/);
  const y = rand(16);
  be.relu(y, out, 16); // out: current on the device only
  out[2] = 1; // into the stale copy
  assert.throws(() => be.relu(out, y, 16), /whose current values were on the device, without toHost\(\) first/);
});

test("toHost, then host writes, then a kernel: the kernel sees the writes", () => {
  const be = createEmulatedBackend();
  const x = rand(8), out = new Float32Array(8);
  be.relu(x, out, 8);
  be.toHost(x);
  x.fill(-1);
  be.relu(x, out, 8);
  be.toHost(out);
  assert.deepEqual([...out], new Array(8).fill(0));
});

test("argument checks run on the host before anything is queued, with the CPU backends' message", () => {
  const be = createEmulatedBackend();
  assert.throws(() => be.embedding(rand(12), Int32Array.of(0, 4), 3, new Float32Array(6)), /embedding: id 4 at position 1 is outside the 4 rows/);
  assert.throws(() => be.crossEntropy({
    logits: rand(6), targets: Int32Array.of(1, 3), rows: 2, cols: 3, ignoreIndex: -1, labelSmoothing: 0,
    rowLoss: new Float32Array(2), logSumExp: new Float32Array(2),
  }), /cross-entropy: target 3 in row 1 is outside the 3 classes/);
  assert.throws(() => be.relu(rand(4), new Float32Array(2), 4), /relu \(js-device\): out has 2 elements, needs 4/);
  assert.equal(be.stats().kernels, 0);
});
