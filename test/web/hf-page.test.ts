/**
 * Hugging Face folders in the page, in Chromium: each is picked with the folder input as a user would pick it, and
 * the page must compute what transformers computed (the fixtures' expected/): GPT-2's greedy ids (and Node's), its
 * attention drawn; a BERT classifier's label probabilities; a BERT masked-LM's top-5 fillers and its attention;
 * a Marian translator's greedy and beam-4 ids (section 2, transformers' beam convention), its attention and walk.
 * A folder with nothing to run says so in one line; a translation does not outlive its model.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { generate } from "../../src/generate/index.js";
import type { DecoderOnly } from "../../src/models/decoder-only.js";
import { loadForInference, promptIds } from "../../src/run/index.js";
import { BERT_BASE, BERT_CLASSIFIER, BERT_MLM, bertExpected } from "../hf/bert-fixture.js";
import { GPT2_TINY, GPT2_TINY_EXPECTED } from "../hf/fixture.js";
import { MARIAN_TINY, MARIAN_TINY_EXPECTED } from "../hf/marian-fixture.js";
import { CHROMIUM, CHROMIUM_ARGS, type PageServer, buildPage, chromiumMissing, servePage, tempDir } from "./harness.js";

const missing = chromiumMissing();
if (missing && process.env.CI) it("Chromium is installed (CI)", () => assert.fail(`browser tests cannot run: ${missing}`));

const PROMPT = "And God said";
/** The first source texts of scripts/hf/make_marian_fixtures.py (their ids are checked against the fixture's). */
const MARIAN_SOURCES = ["In the beginning, God created the heavens and the earth.", "Jesus wept."];

describe("Hugging Face folders in the page", { skip: missing ? `skipped: ${missing}` : false }, () => {
  let tmp: string;
  let server: PageServer;
  let browser: BrowserContext;
  let page: Page;

  async function waitState(selector: string, states: string[]): Promise<string> {
    await page.waitForFunction(({ selector, states }) => states.includes((document.querySelector(selector) as HTMLElement | null)?.dataset.state ?? ""),
      { selector, states }, { timeout: 30_000 });
    return (await page.getAttribute(selector, "data-state")) ?? "";
  }

  async function loadFolder(dir: string): Promise<string> {
    await page.evaluate(() => delete (document.getElementById("ckpt-status") as HTMLElement).dataset.state);
    await page.setInputFiles("#ckpt-folder", dir);
    const state = await waitState("#ckpt-status", ["loaded", "error"]);
    return `${state}: ${await page.textContent("#ckpt-status")}`;
  }

  async function run(text: string): Promise<void> {
    await page.fill("#run-text", text);
    await page.click("#run-go");
    const state = await waitState("#run-output", ["done", "error"]);
    assert.equal(state, "done", (await page.textContent("#run-status")) ?? "");
  }

  /** The weights of the attention heatmaps drawn, in page order, with their row count. */
  const heatmaps = () => page.$$eval("#attention svg.heatmap", (els) =>
    els.map((e) => ({ rows: Number(e.getAttribute("data-rows")), values: Array.from((e as unknown as { weights: { values: Float32Array } }).weights.values) })));

  before(async () => {
    tmp = tempDir("transformer-web-hf-");
    const www = path.join(tmp, "www");
    await buildPage(www, path.join(tmp, "vite-cache"));
    server = await servePage(www);
    server.model = null;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.backend !== undefined, null, { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("GPT-2: the folder loads, and greedy generation gives transformers' ids (and Node's); its causal attention is drawn", async () => {
    const status = await loadFolder(GPT2_TINY);
    const below = fs.readdirSync(GPT2_TINY_EXPECTED).length; // expected/ is no part of the checkpoint
    assert.match(status, new RegExp(`^loaded: .*Ignored: generation_config\\.json, ${below} file\\(s\\) in subfolders\\.$`));
    assert.match((await page.textContent("#ckpt-summary")) ?? "", /decoder_only \(Hugging Face gpt2\), 2 layers/);
    assert.equal(await page.isDisabled("#translate"), true);
    const greedy = JSON.parse(fs.readFileSync(path.join(GPT2_TINY_EXPECTED, "generate.json"), "utf8")).runs
      .find((r: { strategy: string }) => r.strategy === "greedy") as { prompts: number[][]; max_new_tokens: number; outputs: number[][][] };
    await page.fill("#run-max-new", String(greedy.max_new_tokens));
    await run(PROMPT);
    const ids = ((await page.getAttribute("#run-output", "data-ids")) ?? "").split(",").map(Number);
    assert.deepEqual(((await page.getAttribute("#run-output", "data-prompt-ids")) ?? "").split(",").map(Number), greedy.prompts[0]);
    assert.deepEqual(ids, greedy.outputs[0][0], "transformers' greedy ids");
    const node = loadForInference(GPT2_TINY);
    assert.deepEqual(generate(node.model as DecoderOnly, [promptIds(node, PROMPT)], { strategy: "greedy", maxNewTokens: ids.length }).results[0][0].tokens, ids, "Node's");
    await page.waitForSelector("#attention[data-ready] .attention-self svg.heatmap");
    const maps = await heatmaps();
    assert.equal(maps.length, 2, "layer 1, both heads");
    const T = greedy.prompts[0].length + ids.length - 1; // the last token is read by no position
    for (const m of maps) {
      assert.equal(m.rows, T);
      for (let t = 0; t < T; t++) {
        const row = m.values.slice(t * T, (t + 1) * T);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4 && row.slice(t + 1).every((w) => w === 0), `row ${t} is causal and sums to 1`);
      }
    }
  });

  it("BERT classifier: each label's probability is transformers'", async () => {
    assert.match(await loadFolder(BERT_CLASSIFIER), /^loaded: /);
    assert.match((await page.textContent("#ckpt-summary")) ?? "", /labels.*yahweh, question, other/);
    for (const r of (bertExpected("classify.json").runs as { text: string; scores: Record<string, number> }[]).slice(0, 2)) {
      await run(r.text);
      const shown = await page.$$eval("#run-classes li", (els) => els.map((e) => [e.getAttribute("data-label")!, Number(e.getAttribute("data-probability"))] as const));
      assert.deepEqual(shown.map(([l]) => l).sort(), Object.keys(r.scores).sort());
      for (const [label, p] of shown) assert.ok(Math.abs(p - r.scores[label]) < 1e-5, `${r.text}: ${label} ${p} vs ${r.scores[label]}`);
      const best = Object.entries(r.scores).sort((a, b) => b[1] - a[1])[0][0];
      assert.equal(await page.getAttribute("#run-output", "data-label"), best);
    }
  });

  it("BERT masked-LM: the top-5 fillers of [MASK] are transformers', and so is its attention", async () => {
    assert.match(await loadFolder(BERT_MLM), /^loaded: /);
    const expected = bertExpected("fill_mask.json");
    await page.fill("#run-top-k", String(expected.top_k));
    const attention = bertExpected("attention.json") as { text: string; ids: number[]; weights: number[][][][] } // (layers, heads, T, T);
    const r = (expected.runs as { text: string; token_ids: number[]; scores: number[] }[]).find((x) => x.text === attention.text)!;
    await run(r.text);
    const shown = await page.$$eval("#run-output ol.fill-mask li", (els) => els.map((e) => [Number(e.getAttribute("data-id")), Number(e.getAttribute("data-score"))]));
    assert.deepEqual(shown.map(([id]) => id), r.token_ids);
    shown.forEach(([, s], i) => assert.ok(Math.abs(s - r.scores[i]) < 1e-5, `score ${i}: ${s} vs ${r.scores[i]}`));
    // layer 1, both heads, against transformers
    await page.waitForSelector("#attention[data-ready] .attention-encoder svg.heatmap");
    const maps = await heatmaps();
    assert.equal(maps.length, attention.weights[0].length);
    let worst = 0;
    maps.forEach((m, h) => attention.weights[0][h].flat().forEach((w, k) => (worst = Math.max(worst, Math.abs(w - m.values[k])))));
    assert.ok(worst < 1e-5, `attention within ${worst}`);
  });

  it("a BERT without a head (BertModel) is refused in one line naming the head", async () => {
    const status = await loadFolder(BERT_BASE);
    assert.match(status, /^error: Could not load: config\.json: this encoder_only model has head "none" \(bert\);/);
    assert.doesNotMatch(status, /\n/);
  });

  it("Marian: the folder loads and translates to transformers' greedy and beam-4 ids; its attention is drawn, the walk follows it; another model clears the output", async () => {
    assert.match(await loadFolder(MARIAN_TINY), /^loaded: /);
    assert.match((await page.textContent("#ckpt-summary")) ?? "", /seq2seq \(Hugging Face marian\)/);
    const runs = (JSON.parse(fs.readFileSync(path.join(MARIAN_TINY_EXPECTED, "generate.json"), "utf8")).runs as { strategy: string; num_beams?: number; sources: number[][]; outputs: number[][] }[])
      .filter((r) => r.sources.length === 1);
    const ids = (selector: string, attr: string) => page.getAttribute(selector, attr).then((v) => (v ?? "").split(",").map(Number));
    for (const [i, text] of MARIAN_SOURCES.entries()) {
      for (const r of runs.slice(2 * i, 2 * i + 2)) {
        await page.fill("#src-text", text);
        await page.selectOption("#strategy", r.strategy);
        if (r.strategy === "beam") await page.fill("#beams", String(r.num_beams));
        await page.click("#translate");
        const state = await waitState("#output", ["done", "error"]);
        assert.equal(state, "done", (await page.textContent("#translate-status")) ?? "");
        assert.deepEqual(await page.$$eval("#src-tokens .tok-chip", (els) => els.map((e) => Number(e.getAttribute("data-id")))), r.sources[0], `${text}: the source's ids`);
        assert.deepEqual(await ids("#output", "data-ids"), r.outputs[0], `${text}: transformers' ${r.strategy} ids`);
      }
    }
    assert.match((await page.textContent("#translate-status")) ?? "", /beam search with 4 beams \(transformers' length convention/);
    await page.waitForSelector("#attention[data-ready] svg.heatmap");
    await page.fill("#walk-text", MARIAN_SOURCES[1]);
    await page.click("#walk-go");
    await waitState("#walk-status", ["done", "error"]);
    assert.equal(await page.getAttribute("#walk-status", "data-state"), "done", (await page.textContent("#walk-status")) ?? "");
    assert.deepEqual(await ids("#walk-steps", "data-source"), runs[2].sources[0]);
    // the translation above belongs to the Marian model: loading another must not leave it shown
    assert.match(await loadFolder(GPT2_TINY), /^loaded: /);
    assert.equal(await page.textContent("#output"), "");
    assert.equal(await page.getAttribute("#output", "data-ids"), null);
    assert.equal(await page.getAttribute("#output", "data-state"), null);
  });
});
