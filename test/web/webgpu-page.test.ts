/**
 * The page on the WebGPU backend in real Chromium (--enable-unsafe-webgpu; on a machine without a GPU its adapter is
 * SwiftShader, a software one). ?backend=webgpu: the page names the adapter Chromium gives, the shipped model loads
 * by itself and translates as the CLI does on Node's default backend, and the toy trains with the losses of the
 * same run on WebAssembly. Without ?backend, a software adapter is passed over for WebAssembly, and the page says why.
 * A GPU lost under the page (its GPU process crashed) moves it to WebAssembly, where it translates the same.
 *
 * SwiftShader is slow (a toy training step takes seconds, a translated token about one), so this runs one short
 * sentence and two toy steps. Skipped without Chromium or when it gives no WebGPU adapter; with CI set either
 * is a failure.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, type PageServer, buildPage, chromiumMissing, servePage, tempDir } from "./harness.js";
import { cliTranslate, shippedModelMissing, translateOnPage, waitForDefaultModel } from "./shipped.js";

/** Short, so that SwiftShader translates it in seconds: a handful of tokens. */
const SENTENCE = "Jesus wept.";
/** Toy steps on WebGPU: the first loss is the initial model's forward pass, the second follows its backward pass and Adam's update. */
const TOY_STEPS = 2;
/**
 * The toy's losses on WebGPU and on WebAssembly may differ by float rounding only (other summation orders, fused
 * multiply-adds), which over a few steps stays far below this relative difference.
 */
const LOSS_TOLERANCE = 1e-4;
const ARGS = [...CHROMIUM_ARGS, "--enable-unsafe-webgpu"];

interface Probe { vendor: string; architecture: string; description: string; software: boolean }

/** The adapter Chromium gives a plain page, asked directly (not through the library): what the page must report. */
async function probeAdapter(page: Page, url: string): Promise<Probe | null> {
  await page.goto(url);
  return page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info: Record<string, unknown> } | null> } }).gpu;
    const adapter = await gpu?.requestAdapter();
    if (!adapter) return null;
    const { vendor, architecture, description, isFallbackAdapter } = adapter.info as { vendor: string; architecture: string; description: string; isFallbackAdapter?: boolean };
    const software = isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${vendor} ${architecture} ${description}`);
    return { vendor, architecture, description, software };
  });
}

const missing = chromiumMissing() ?? shippedModelMissing();

if (missing && process.env.CI) {
  it("Chromium and the shipped model are here (CI)", () => assert.fail(`browser WebGPU tests cannot run: ${missing}`));
}

describe("the page on WebGPU in Chromium", { skip: missing ? `skipped: ${missing}` : false }, () => {
  let tmp: string;
  let server: PageServer;
  let browser: Browser;
  let adapter: Probe | null = null;
  const errors: string[] = [];

  async function openPage(query: string): Promise<Page> {
    const p = await browser.newPage();
    p.on("pageerror", (e) => errors.push(e.message));
    await p.goto(server.url + query);
    await p.waitForFunction(() => document.body.dataset.backend !== undefined || document.getElementById("backend")?.textContent === "failed", null, { timeout: 60_000 });
    assert.notEqual(await p.textContent("#backend"), "failed", (await p.textContent("#backend-note")) ?? "");
    return p;
  }

  /** Ends Chromium's GPU process (DevTools' Browser.crashGpuProcess): every WebGPU device of the browser is lost, as in a driver reset. */
  async function crashGpuProcess(): Promise<void> {
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send("Browser.crashGpuProcess" as never);
    await cdp.detach();
  }

  /** Trains the toy until `steps` losses are in, presses Stop, waits for the trained model's test; every loss. */
  async function trainToy(p: Page, steps: number): Promise<number[]> {
    await p.fill("#toy-seconds", "600");
    await p.click("#toy-train");
    await p.waitForFunction((n) => Number(document.getElementById("loss-chart")!.dataset.points) >= n || document.getElementById("toy-status")!.dataset.state === "error",
      steps, { timeout: 600_000, polling: 250 });
    await p.evaluate(() => document.getElementById("toy-stop")!.click());
    await p.waitForFunction(() => ["done", "error"].includes(document.getElementById("toy-status")!.dataset.state ?? ""), null, { timeout: 600_000, polling: 250 });
    assert.equal(await p.getAttribute("#toy-status", "data-state"), "done", (await p.textContent("#toy-status")) ?? "");
    return p.$eval("#loss-chart", (e) => Array.from((e as unknown as { losses: number[] }).losses));
  }

  before(async () => {
    tmp = tempDir("transformer-webgpu-page-");
    const www = path.join(tmp, "www");
    await buildPage(www, path.join(tmp, "vite-cache"));
    server = await servePage(www);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const p = await browser.newPage();
    adapter = await probeAdapter(p, server.url + "?autoload=0");
    await p.close();
    console.log(`WebGPU adapter (chromium): ${JSON.stringify(adapter)}`);
    if (!adapter && process.env.CI) assert.fail("Chromium gives no WebGPU adapter here");
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("auto: passes a software adapter over for WebAssembly and says why (a hardware one: WebGPU)", async (t) => {
    if (!adapter) return t.skip("Chromium gives no WebGPU adapter here");
    const p = await openPage("?autoload=0");
    const name = (await p.getAttribute("body", "data-backend")) ?? "";
    const fallback = await p.locator("#backend-fallback");
    if (adapter.software) {
      assert.match(name, /^wasm-/);
      assert.equal(await fallback.isVisible(), true);
      assert.match((await fallback.textContent()) ?? "",
        new RegExp(`^\\(not WebGPU: WebGPU adapter is .*${adapter.architecture || adapter.description}.*, a software adapter: WebAssembly is faster\\)$`, "i"));
      assert.equal(await p.isHidden("#backend-adapter"), true);
    } else {
      assert.equal(name, "webgpu");
      assert.equal(await fallback.isHidden(), true);
    }
    await p.close();
  });

  it("a GPU lost under the page (Chromium's GPU process crashed): the call fails saying so, the page moves to WebAssembly and translates as the CLI", async (t) => {
    if (!adapter) return t.skip("Chromium gives no WebGPU adapter here");
    const p = await openPage("?backend=webgpu");
    await waitForDefaultModel(p);
    const cli = cliTranslate(SENTENCE).text;
    assert.equal(await translateOnPage(p, SENTENCE), cli, "on WebGPU before the loss");
    // the translation is shown before its inspection is computed: the button comes back when both are done
    await p.waitForFunction(() => !(document.getElementById("translate") as HTMLButtonElement).disabled, null, { timeout: 300_000 });
    await crashGpuProcess();
    await p.fill("#src-text", SENTENCE);
    await p.click("#translate");
    await p.waitForFunction(() => ["done", "error"].includes(document.querySelector<HTMLElement>("#output")?.dataset.state ?? ""), null, { timeout: 300_000 });
    const status = (await p.textContent("#translate-status")) ?? "";
    assert.equal(await p.getAttribute("#output", "data-state"), "error", `the call that met the lost GPU failed (status: ${status})`);
    assert.match(status, /lost.*; the page switched to wasm-\S+ and reloaded the model: try again$/i);
    await p.waitForFunction(() => document.body.dataset.backend?.startsWith("wasm-"), null, { timeout: 10_000 });
    const fallback = (await p.textContent("#backend-fallback")) ?? "";
    console.log(`after the GPU process crashed: "${status}"; the backend line: ${await p.textContent("#backend")} ${fallback}`);
    assert.match(fallback, /^\(not WebGPU: .*lost/i);
    assert.equal(await p.isHidden("#backend-adapter"), true);
    assert.equal(await translateOnPage(p, SENTENCE), cli, "on WebAssembly after the loss");
    await p.close();
    assert.deepEqual(errors, []);
  });

  it("a GPU lost while the toy trains: its status says so, and it trains again on WebAssembly", async (t) => {
    if (!adapter) return t.skip("Chromium gives no WebGPU adapter here");
    const p = await openPage("?autoload=0&backend=webgpu");
    await p.fill("#toy-seconds", "600");
    await p.click("#toy-train");
    await p.waitForFunction(() => Number(document.getElementById("loss-chart")!.dataset.points) >= 1, null, { timeout: 300_000, polling: 250 });
    await crashGpuProcess();
    await p.waitForFunction(() => ["done", "error"].includes(document.getElementById("toy-status")!.dataset.state ?? ""), null, { timeout: 300_000, polling: 250 });
    const status = (await p.textContent("#toy-status")) ?? "";
    assert.equal(await p.getAttribute("#toy-status", "data-state"), "error", status);
    assert.match(status, /^Training failed: .*lost.*; the toy switched to wasm-\S+: train again$/i);
    const losses = await trainToy(p, 2);
    assert.ok(losses.length >= 2 && losses.every(Number.isFinite), `losses after the loss: ${losses.join(", ")}`);
    await p.close();
    assert.deepEqual(errors, []);
  });

  let gpuPage: Page;
  it("?backend=webgpu: names the adapter, loads the shipped model by itself and translates as the CLI does", async (t) => {
    if (!adapter) return t.skip("Chromium gives no WebGPU adapter here");
    gpuPage = await openPage("?backend=webgpu");
    assert.equal(await gpuPage.getAttribute("body", "data-backend"), "webgpu");
    assert.equal(await gpuPage.textContent("#backend"), "webgpu");
    const shown = (await gpuPage.textContent("#backend-adapter")) ?? "";
    assert.equal(await gpuPage.isVisible("#backend-adapter"), true);
    // Chromium names a SwiftShader adapter only by vendor and architecture; a GPU by its description
    for (const word of [adapter.description || adapter.vendor, adapter.description ? "" : adapter.architecture].filter(Boolean)) {
      assert.ok(shown.toLowerCase().includes(word.toLowerCase()), `the page shows "${shown}", not the adapter's ${word}`);
    }
    assert.equal(await gpuPage.isHidden("#backend-fallback"), true, "a forced backend has no fallback to explain");
    await waitForDefaultModel(gpuPage);
    const t0 = Date.now();
    const got = await translateOnPage(gpuPage, SENTENCE);
    console.log(`webgpu: "${SENTENCE}" → "${got}" in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(got, cliTranslate(SENTENCE).text, "the page on WebGPU and the CLI on Node's default backend");
    assert.deepEqual(errors, []);
  });

  it(`?backend=webgpu: the toy trains with WebAssembly's losses (relative difference ≤ ${LOSS_TOLERANCE})`, async (t) => {
    if (!adapter) return t.skip("Chromium gives no WebGPU adapter here");
    assert.ok(gpuPage, "the WebGPU page is open");
    const t0 = Date.now();
    // Stop lands after the step that is running when it is pressed: one more than asked for
    const gpu = await trainToy(gpuPage, TOY_STEPS - 1);
    const trained = /after \d+ steps in ([\d.]+) s/.exec((await gpuPage.textContent("#toy-status")) ?? "")?.[1];
    console.log(`webgpu: ${gpu.length} toy steps in ${trained} s, then the trained toy's test: ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
    await gpuPage.close();
    assert.ok(gpu.length >= TOY_STEPS, `only ${gpu.length} steps`);
    const wasmPage = await openPage("?autoload=0&backend=wasm");
    const wasm = (await trainToy(wasmPage, gpu.length)).slice(0, gpu.length);
    await wasmPage.close();
    const worst = Math.max(...gpu.map((l, i) => Math.abs(l - wasm[i]) / Math.abs(wasm[i])));
    console.log(`toy losses: webgpu ${gpu.map((l) => l.toFixed(6)).join(", ")}; wasm ${wasm.map((l) => l.toFixed(6)).join(", ")}; worst relative difference ${worst.toExponential(2)}`);
    assert.ok(worst <= LOSS_TOLERANCE, `losses differ by ${worst.toExponential(2)} (relative)`);
    assert.deepEqual(errors, []);
  });
});
