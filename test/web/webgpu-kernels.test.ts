/**
 * The WebGPU kernels in real Chromium, on its own WebGPU adapter (navigator.gpu; headless on a machine without a
 * GPU that is SwiftShader, which --enable-unsafe-webgpu exposes): the very cases of test/backend/webgpu-cases.ts,
 * with their comparisons against the js reference (browser-safe), run in the page from the compiled ES modules
 * under dist/ (their imports are relative: no bundler needed). Node only reports the page's results, one test a case.
 *
 * Needs Debian's chromium (as the other browser tests). Without it, or when Chromium offers no WebGPU adapter, the
 * suite is skipped with the reason; with CI set either is a failure. The adapter Chromium gives is printed.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { AdapterReport, GpuRuntime } from "../../src/backend/webgpu/index.js";
import { webgpuCases } from "../backend/webgpu-cases.js";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, chromiumMissing, serveFolders } from "./harness.js";

interface CaseResult { suite: string; name: string; error: string | null; ms: number }
type PageRun = { adapter: null; why: string } | { adapter: AdapterReport; results: CaseResult[] };

/** How long the page may take for every case (SwiftShader on two busy cores takes ~20 s). */
const PAGE_TIMEOUT_MS = 240_000;

/** Launches Chromium with WebGPU on, runs every case in one page, and closes everything. */
async function runInChromium(): Promise<PageRun> {
  const server = await serveFolders({ "/dist/": path.join(ROOT, "dist") });
  const { chromium } = await import("playwright-core");
  // developer features: Chromium otherwise blanks the adapter's device and description (fingerprinting), and the report should name them
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, "--enable-unsafe-webgpu", "--enable-webgpu-developer-features"] });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url); // 127.0.0.1: a secure context, as navigator.gpu requires
    const run = page.evaluate(async (): Promise<PageRun> => {
      // variables: tsc leaves these imports alone, the page resolves them against the server
      const gpuUrl = "/dist/src/backend/webgpu/index.js", casesUrl = "/dist/test/backend/webgpu-cases.js";
      if (!("gpu" in navigator)) return { adapter: null, why: "Chromium has no navigator.gpu (WebGPU off)" };
      const { createGpuRuntime } = await import(gpuUrl);
      const { webgpuCases } = await import(casesUrl);
      const rt = await createGpuRuntime();
      if (!rt) return { adapter: null, why: "Chromium's navigator.gpu.requestAdapter() gave no adapter" };
      const results: CaseResult[] = [];
      for (const c of webgpuCases(rt) as Array<{ suite: string; name: string; run(): Promise<void> }>) {
        const t0 = performance.now();
        let error: string | null = null;
        try {
          await c.run();
        } catch (e) {
          error = (e as Error).message ?? String(e);
        }
        results.push({ suite: c.suite, name: c.name, error, ms: Math.round(performance.now() - t0) });
      }
      rt.destroy();
      return { adapter: rt.adapter, results };
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the page did not finish the WebGPU cases within ${PAGE_TIMEOUT_MS / 1000} s`)), PAGE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

const missing = chromiumMissing();
const outcome: PageRun | { failed: string } | null = missing ? null : await runInChromium().catch((e: Error) => ({ failed: e.message }));
const noAdapter = outcome && "adapter" in outcome && outcome.adapter === null ? `skipped: ${outcome.why}` : null;

if (process.env.CI && (missing || noAdapter)) {
  it("Chromium gives a WebGPU adapter (CI)", () => assert.fail(`browser WebGPU tests cannot run: ${missing ?? noAdapter}`));
}

describe("webgpu kernels in Chromium", { skip: missing ? `skipped: ${missing}` : noAdapter ?? false }, () => {
  if (outcome === null || noAdapter) return;
  if ("failed" in outcome) {
    it("the page runs the WebGPU cases", () => assert.fail(outcome.failed));
    return;
  }
  const { adapter, results } = outcome as { adapter: AdapterReport; results: CaseResult[] };
  console.log(`webgpu adapter (chromium): ${JSON.stringify(adapter)}`);
  it("the page ran the cases Node runs, in order", () => {
    // building the list touches no GPU (each case uses the runtime only when run), so Node can name them without one
    const expected = webgpuCases(null as unknown as GpuRuntime).map((c) => `${c.suite}: ${c.name}`);
    assert.deepEqual(results.map((r) => `${r.suite}: ${r.name}`), expected);
  });
  for (const r of results) {
    it(`${r.suite}: ${r.name}`, () => {
      if (r.error !== null) assert.fail(r.error);
    });
  }
});
