/**
 * The WebGPU kernels against the reference kernels, in Node (Dawn from the npm package `webgpu`): the cases and
 * their tolerances are in webgpu-cases.ts, which test/web/webgpu-kernels.test.ts runs in Chromium too.
 */
import { after, describe, it } from "node:test";
import { webgpuCases } from "./webgpu-cases.js";
import { gpuForTests } from "./webgpu-setup.js";

const { rt, skip } = await gpuForTests();
after(() => rt?.destroy());

if (rt) console.log(`webgpu adapter (node): ${JSON.stringify(rt.adapter)}`);
const cases = rt ? webgpuCases(rt) : [];
for (const suite of ["webgpu kernels against the reference", "webgpu runtime"]) {
  describe(suite, { skip }, () => {
    for (const c of cases.filter((x) => x.suite === suite)) it(c.name, () => c.run());
  });
}
