/** describeBackend: the line commands print beside their numbers names the kernels, their threads and a GPU's adapter. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend } from "../../src/backend/backend.js";
import { describeBackend } from "../../src/backend/describe.js";
import { jsBackend } from "../../src/backend/js/index.js";

test("describeBackend: the name; threads where there is a pool; the adapter of a GPU backend", () => {
  assert.equal(describeBackend(jsBackend), "js");
  assert.equal(describeBackend({ ...jsBackend, name: "wasm", threads: 1 } as Backend), "wasm (1 thread)");
  assert.equal(describeBackend({ ...jsBackend, name: "native", threads: 4 } as Backend), "native (4 threads)");
  const adapter = { vendor: "google", architecture: "swiftshader", device: "", description: "", software: true };
  assert.equal(describeBackend({ ...jsBackend, name: "webgpu", adapter } as Backend), "webgpu (adapter google swiftshader (software))");
  const unnamed = { vendor: "", architecture: "", device: "", description: "", software: false };
  assert.equal(describeBackend({ ...jsBackend, name: "webgpu", adapter: unnamed } as Backend), "webgpu (adapter unnamed)");
});
