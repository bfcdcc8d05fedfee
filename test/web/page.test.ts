/**
 * The page in real Chromium: built with Vite, served with cross-origin isolation, driven by playwright-core.
 * It loads a checkpoint through the file input and must translate exactly as the library does in Node, draw its
 * attention, and train a toy model in a worker while the main thread keeps drawing. Here the server has no shipped
 * model unless a test puts one there (test/web/dev-server.test.ts and build.test.ts test the real one).
 *
 * Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH): without it the suite is skipped, or fails when
 * CI is set. A screenshot of the page goes to $SCREENSHOT_DIR (default: the OS temp folder).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { CHECKPOINT_FILES, type Expected, trainTinyCheckpoint, translateInNode } from "./checkpoint.js";
import { CHROMIUM, CHROMIUM_ARGS, type PageServer, buildPage, chromiumMissing, servePage, tempDir } from "./harness.js";

const SENTENCE = "In the beginning, God created the heavens and the earth.";
const missing = chromiumMissing();

if (missing && process.env.CI) {
  it("Chromium is installed (CI)", () => assert.fail(`browser tests cannot run: ${missing}`));
}

describe("web page in Chromium", { skip: missing ? `skipped: ${missing}` : false }, () => {
  let tmp: string;
  let ckpt: string;
  let server: PageServer;
  let browser: BrowserContext;
  let page: Page;
  let backendName: string;

  /** Waits until `selector`'s data-state is one of `states` (and fails on an error state with the page's message). */
  async function waitState(p: Page, selector: string, states: string[], timeout = 30_000): Promise<string> {
    await p.waitForFunction(
      ({ selector, states }) => states.concat("error").includes((document.querySelector(selector) as HTMLElement | null)?.dataset.state ?? ""),
      { selector, states }, { timeout },
    );
    const state = (await p.getAttribute(selector, "data-state")) ?? "";
    if (state === "error" && !states.includes("error")) assert.fail(`${selector}: ${await p.textContent(selector)}`);
    return state;
  }

  async function openPage(query: string): Promise<Page> {
    const p = await browser.newPage();
    p.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await p.goto(server.url + query);
    await p.waitForFunction(() => document.body.dataset.backend !== undefined, null, { timeout: 20_000 });
    return p;
  }

  async function loadCheckpointFiles(p: Page, extra: string[] = []): Promise<void> {
    // extra files: names in the checkpoint folder, or absolute paths
    await p.setInputFiles("#ckpt-files", [...CHECKPOINT_FILES, ...extra].map((f) => path.resolve(ckpt, f)));
    await waitState(p, "#ckpt-status", ["loaded"]);
  }

  interface MainThreadStats {
    /** Frames drawn, the longest gap between two, and how long we watched (ms). */
    frames: number;
    maxGapMs: number;
    ms: number;
    /** Time the page's main thread spent running script, and running tasks of any kind (Chrome's own metrics). */
    scriptMs: number;
    taskMs: number;
  }

  /** Starts watching the page's main thread (frames, busy time); the returned function stops and reports. */
  async function watchMainThread(p: Page): Promise<() => Promise<MainThreadStats>> {
    const cdp = await browser.newCDPSession(p);
    await cdp.send("Performance.enable");
    const busy = async () => {
      const { metrics } = await cdp.send("Performance.getMetrics");
      const get = (name: string) => 1000 * (metrics.find((m) => m.name === name)?.value ?? NaN);
      return { script: get("ScriptDuration"), task: get("TaskDuration") };
    };
    const before = await busy();
    await p.evaluate(() => {
      const f = { frames: 0, maxGap: 0, t0: performance.now(), last: performance.now(), on: true };
      (window as unknown as { __watch: typeof f }).__watch = f;
      const tick = (now: number) => {
        if (!f.on) return;
        f.frames++;
        f.maxGap = Math.max(f.maxGap, now - f.last);
        f.last = now;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    return async () => {
      const f = await p.evaluate(() => {
        const w = (window as unknown as { __watch: { frames: number; maxGap: number; t0: number; on: boolean } }).__watch;
        w.on = false;
        return { frames: w.frames, maxGapMs: w.maxGap, ms: performance.now() - w.t0 };
      });
      const now = await busy();
      await cdp.detach();
      return { ...f, scriptMs: now.script - before.script, taskMs: now.task - before.task };
    };
  }

  function describeStats(s: MainThreadStats): string {
    return `${((s.frames * 1000) / s.ms).toFixed(0)} fps, longest frame gap ${s.maxGapMs.toFixed(0)} ms, ` +
      `script ${s.scriptMs.toFixed(0)} ms and tasks ${s.taskMs.toFixed(0)} ms in ${(s.ms / 1000).toFixed(1)} s`;
  }

  async function translate(p: Page, strategy: "greedy" | "beam"): Promise<{ text: string; ids: number[] }> {
    await p.fill("#src-text", SENTENCE);
    await p.selectOption("#strategy", strategy);
    if (strategy === "beam") await p.fill("#beams", "4");
    await p.click("#translate");
    await waitState(p, "#output", ["done"]);
    const ids = ((await p.getAttribute("#output", "data-ids")) ?? "").split(",").filter(Boolean).map(Number);
    return { text: (await p.textContent("#output")) ?? "", ids };
  }

  before(async () => {
    const t0 = Date.now();
    tmp = tempDir("transformer-web-");
    const www = path.join(tmp, "www");
    await Promise.all([trainTinyCheckpoint(tmp), buildPage(www, path.join(tmp, "vite-cache"))]);
    ckpt = path.join(tmp, "run");
    server = await servePage(www);
    server.model = null; // as a page built without models/en-es/
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
    });
    console.log(`set-up (checkpoint, Vite build, Chromium) took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("shows which backend runs the model, and that no shipped model is served", async () => {
    page = await openPage("");
    backendName = (await page.getAttribute("body", "data-backend")) ?? "";
    assert.match(backendName, /^(wasm-relaxed|wasm-simd|js)$/);
    assert.match((await page.textContent("#backend")) ?? "", new RegExp(backendName));
    // Chromium is cross-origin isolated here and supports wasm SIMD, so the fast backend must have loaded
    assert.match(backendName, /^wasm-/, `the page fell back to ${backendName}: ${await page.textContent("#backend-note")}`);
    await waitState(page, "#shipped-status", ["absent"]);
    assert.match((await page.textContent("#shipped-status")) ?? "", /^No shipped model is served with this page \(models\/en-es\/ is absent\); pick your own files above\.$/);
    assert.equal(await page.isDisabled("#load-shipped"), true);
    assert.equal(await page.getAttribute("#ckpt-status", "data-state"), null, "nothing loads by itself");
  });

  it("loads a checkpoint through the file input, and says which files are missing", async () => {
    await page.setInputFiles("#ckpt-files", [path.join(ckpt, "config.json")]);
    await waitState(page, "#ckpt-status", ["error"]);
    assert.match((await page.textContent("#ckpt-status")) ?? "", /missing model\.safetensors, tokenizer\.json/);
    assert.equal(await page.isDisabled("#translate"), true);
    await loadCheckpointFiles(page, ["metrics.jsonl"]);
    const status = (await page.textContent("#ckpt-status")) ?? "";
    assert.match(status, /Ignored: metrics\.jsonl/);
    assert.match((await page.textContent("#ckpt-summary")) ?? "", /separate/);
    assert.equal(await page.isHidden("#model-scores"), true, "no scores.json picked, no scores shown");
  });

  let greedy: Expected;
  it("streams a greedy translation token by token, equal to the library's in Node", async () => {
    greedy = await translateInNode(ckpt, SENTENCE, { strategy: "greedy" }, backendName);
    assert.ok(greedy.ids.length > 3, "the test checkpoint should say something");
    await page.evaluate(() => {
      const w = window as unknown as { __mutations: number };
      w.__mutations = 0;
      new MutationObserver(() => w.__mutations++).observe(document.getElementById("output")!, { childList: true });
    });
    const stopWatching = await watchMainThread(page);
    const got = await translate(page, "greedy");
    const frames = await stopWatching();
    assert.deepEqual(got.ids, greedy.ids);
    assert.equal(got.text, greedy.text);
    assert.equal(Number(await page.getAttribute("#output", "data-streamed")), greedy.ids.length);
    const mutations = await page.evaluate(() => (window as unknown as { __mutations: number }).__mutations);
    assert.ok(mutations > 2, `the output arrived in ${mutations} update(s), not token by token`);
    console.log(`greedy translation of ${got.ids.length} tokens; main thread: ${describeStats(frames)}`);
    assert.ok(frames.maxGapMs < 1000, `the page froze while translating: ${describeStats(frames)}`);
  });

  it("beam search gives the library's best hypothesis", async () => {
    const expected = await translateInNode(ckpt, SENTENCE, { strategy: "beam", numBeams: 4 }, backendName);
    const got = await translate(page, "beam");
    assert.deepEqual(got.ids, expected.ids);
    assert.equal(got.text, expected.text);
  });

  it("draws tokens, positions, attention heatmaps labelled with tokens, and next-token probabilities", async () => {
    await translate(page, "greedy");
    await page.waitForSelector("#attention[data-ready] svg.heatmap");
    const src = await page.$$eval("#src-tokens .tok-chip", (els) => els.map((e) => e.textContent ?? ""));
    const out = await page.$$eval("#out-tokens .tok-chip", (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(src.length > 3);
    assert.equal(out.length, greedy.ids.length);
    const config = JSON.parse(fs.readFileSync(path.join(ckpt, "config.json"), "utf8")) as {
      num_heads: number; d_model: number; num_encoder_layers: number; num_decoder_layers: number; max_len: number;
    };

    // labels: every one, or every other one when the cells are too small for the font; data-index says which
    const labels = (kind: string, axis: "row" | "col") =>
      page.$$eval(`.attention-${kind} svg.heatmap:first-of-type text.${axis}-label`,
        (els) => els.map((e) => [Number(e.getAttribute("data-index")), e.textContent ?? ""] as [number, string]));
    const clip = (s: string) => (s.length > 14 ? s.slice(0, 13) + "…" : s);
    // the decoder reads <s> and the translation without its </s> (as `transformer attention` does), up to max_len
    const decoderIn = ["<s>", ...(out.at(-1) === "</s>" ? out.slice(0, -1) : out)].slice(0, config.max_len);
    const checkAxis = async (kind: string, axis: "row" | "col", want: string[]) => {
      const got = await labels(kind, axis);
      assert.ok(got.length >= want.length / 2, `${kind} ${axis}s: ${got.length} labels for ${want.length} tokens`);
      for (const [i, text] of got) assert.equal(text, clip(want[i]), `${kind} ${axis} ${i}`);
    };
    await checkAxis("encoder", "row", src);
    await checkAxis("encoder", "col", src);
    await checkAxis("decoder", "row", decoderIn);
    await checkAxis("decoder", "col", decoderIn);
    await checkAxis("cross", "row", decoderIn);
    await checkAxis("cross", "col", src);
    for (const kind of ["encoder", "decoder", "cross"]) {
      assert.equal(await page.locator(`.attention-${kind} svg.heatmap`).count(), config.num_heads, `${kind}: one heatmap per head`);
    }
    // each query's weights sum to 1, and masked self-attention never looks ahead
    const weights = await page.$eval(".attention-decoder svg.heatmap", (e) => {
      const w = (e as unknown as { weights: { rows: number; cols: number; values: Float32Array } }).weights;
      return { rows: w.rows, cols: w.cols, values: Array.from(w.values) };
    });
    assert.deepEqual([weights.rows, weights.cols], [decoderIn.length, decoderIn.length]);
    for (let r = 0; r < weights.rows; r++) {
      const row = weights.values.slice(r * weights.cols, (r + 1) * weights.cols);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3, `row ${r} sums to ${row.reduce((a, b) => a + b, 0)}`);
      row.forEach((w, c) => assert.ok(c <= r || w < 1e-6, `decoder position ${r} attends to later position ${c} (${w})`));
    }

    const cell = Number(await page.getAttribute(".attention-cross svg.heatmap", "data-cell"));
    await page.hover(".attention-cross svg.heatmap:first-of-type image.cells", { position: { x: cell / 2, y: cell * 1.5 } });
    assert.match((await page.textContent("#attn-readout")) ?? "", /Cross-attention · layer 1 · head 1: decoder input 1 .* source token 0 .*: weight \d/);
    assert.match((await page.textContent(".tooltip")) ?? "", /→/);
    await page.selectOption("#attn-head", { label: "2" });
    assert.equal(await page.locator(".attention-cross svg.heatmap").count(), 1);
    await page.selectOption("#attn-layer", { label: "all" });
    assert.equal(await page.locator(".attention-encoder svg.heatmap").count(), config.num_encoder_layers, "head 2 of every layer");
    assert.match((await page.textContent(".attention-decoder svg.heatmap:last-of-type")) ?? "", new RegExp(`layer ${config.num_decoder_layers} · head 2`));

    assert.equal(await page.getAttribute("#pe-canvas", "data-d-model"), String(config.d_model));
    await page.fill("#pe-dmodel", "16");
    await page.fill("#pe-length", "20");
    assert.equal(await page.getAttribute("#pe-canvas", "data-length"), "20");
    await page.hover("#pe-canvas", { position: { x: 60, y: 40 } });
    assert.match((await page.textContent("#pe-readout")) ?? "", /^PE\[pos \d+, dim \d+\] = (sin|cos)/);

    const top = () => page.$$eval("#topk li", (els) => els.map((e) => Number(e.getAttribute("data-p"))));
    const atOne = await top();
    assert.equal(atOne.length, 10);
    assert.equal(await page.getAttribute("#topk li.chosen", "data-id"), String(greedy.ids[0]), "greedy took the most likely first token");
    await page.fill("#temperature", "3");
    await page.waitForSelector("#topk[data-temperature='3']");
    const hot = await top();
    assert.ok(hot[0] < atOne[0], `a higher temperature flattens the distribution (${hot[0]} vs ${atOne[0]})`);
    // back to the default view, for the screenshot
    await page.selectOption("#attn-layer", { label: "1" });
    await page.selectOption("#attn-head", { label: "all" });
    await page.fill("#temperature", "1");
    await page.fill("#pe-dmodel", String(config.d_model));
    await page.fill("#pe-length", "50");
  });

  it("trains a toy model in a worker: the loss goes down while the main thread stays free", async () => {
    // Train until the loss has clearly dropped (a few seconds; up to 40 on a slow machine), then press Stop.
    await page.fill("#toy-seconds", "40");
    const stopWatching = await watchMainThread(page);
    await page.click("#toy-train");
    const chart = async () => {
      const get = async (a: string) => Number(await page.getAttribute("#loss-chart", a));
      return { points: await get("data-points"), first: await get("data-first-loss"), last: await get("data-last-loss") };
    };
    await page.waitForFunction(() => {
      const c = document.getElementById("loss-chart")!.dataset;
      return Number(c.points) >= 40 && Number(c.lastLoss) < 0.75 * Number(c.firstLoss);
    }, null, { timeout: 45_000, polling: 250 }).catch(() => {});
    await page.evaluate(() => document.getElementById("toy-stop")!.click()); // a no-op if training already ended
    await waitState(page, "#toy-status", ["done"], 30_000);
    const stats = await stopWatching();
    const { points, first, last } = await chart();
    console.log(`toy training: ${points} steps, loss ${first.toFixed(2)} → ${last.toFixed(2)}; main thread: ${describeStats(stats)}`);
    assert.ok(points >= 40, `only ${points} training steps`);
    assert.ok(last < 0.75 * first, `the loss did not go down: ${first.toFixed(3)} → ${last.toFixed(3)}`);
    assert.match((await page.textContent("#toy-status")) ?? "", /^(Stopped|Done) after \d+ steps/);
    assert.equal(await page.locator("#toy-examples tbody tr").count(), 6);
    assert.ok(await page.locator("#toy-results svg.heatmap").count() > 0);
    // Training on the main thread would keep it running script nearly all the time; in a worker only drawing is left.
    assert.ok((stats.frames * 1000) / stats.ms > 10, `the page drew too few frames during training: ${describeStats(stats)}`);
    assert.ok(stats.maxGapMs < 1000, `the page froze during training: ${describeStats(stats)}`);
    assert.ok(stats.scriptMs < 0.25 * stats.ms, `the main thread was busy running script during training: ${describeStats(stats)}`);

    const dir = process.env.SCREENSHOT_DIR ?? os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    const shot = path.join(dir, "transformer-web.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  });

  it("translates the same on the plain-JS backend (?backend=js)", async () => {
    const js = await openPage("?autoload=0&backend=js");
    assert.equal(await js.getAttribute("body", "data-backend"), "js");
    await loadCheckpointFiles(js);
    const expected = await translateInNode(ckpt, SENTENCE, { strategy: "greedy" }, "js");
    const got = await translate(js, "greedy");
    assert.deepEqual(got.ids, expected.ids);
    await js.close();
  });

  it("shows the scores of picked files only from a picked scores.json, and says why a bad one is not shown", async () => {
    const p = await openPage("?autoload=0");
    const scores = path.join(tmp, "scores", "scores.json");
    fs.mkdirSync(path.dirname(scores), { recursive: true });
    fs.writeFileSync(scores, JSON.stringify({
      model: "tiny", test: { data: "pairs.tsv", examples: 1234, greedy: { bleu: 0.25, chrf: 3.04 }, beam4: { bleu: 0.5, chrf: 4.06 } },
      valid_loss: 9, steps: 2, train_hours: 0.01, hardware: "a test",
    }));
    await loadCheckpointFiles(p, [scores]);
    assert.equal(((await p.textContent("#model-scores")) ?? "").trim(),
      "Picked model tiny: BLEU 0.5 (beam 4) · 0.3 (greedy), chrF 4.1 on the 1,234 held-out test verses; 2 steps in 0.0 h (a test)");
    fs.writeFileSync(scores, JSON.stringify({ model: "tiny", test: { examples: 3 } }));
    await loadCheckpointFiles(p, [scores]);
    assert.match((await p.textContent("#model-scores")) ?? "", /^Scores not shown: scores\.json: test\.data must be a string$/);
    assert.equal(await p.isDisabled("#translate"), false, "a bad scores.json does not stop the model");
    await loadCheckpointFiles(p);
    assert.equal(await p.isHidden("#model-scores"), true);
    await p.close();
  });

  it("loads the shipped model from models/en-es/ by itself when the page serves one", async () => {
    server.model = ckpt;
    const shipped = await openPage("");
    await waitState(shipped, "#shipped-status", ["present"]);
    await waitState(shipped, "#ckpt-status", ["loaded"]);
    assert.equal(await shipped.getAttribute("#ckpt-status", "data-source"), "the shipped model en-es");
    assert.equal(await shipped.isHidden("#model-scores"), true, "no scores.json beside it, no scores shown");
    assert.deepEqual((await translate(shipped, "greedy")).ids, greedy.ids);
    await shipped.close();
    server.model = null;
  });
});
