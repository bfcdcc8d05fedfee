/**
 * The walk (section 5) in real Chromium: the numbers it shows at each step are those explainSeq2Seq gives in Node
 * for the same checkpoint, sentence and decoder position (within the display's rounding; position 2: a 3×3 causal
 * mask), ← and → move between steps, and the notes' toy trains in the page until greedy decoding of “let's go” gives “vamos <EOS>”. The fixed test checkpoint
 * test/fixtures/tiny-en-es/ is served where the page looks for its shipped model, so it loads by itself. All of it runs on
 * each backend the page offers: WebAssembly and the plain-JS kernels.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { type Explanation, explainSeq2Seq, formatNumber, tokenLabel } from "../../src/inspect/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { Seq2Seq } from "../../src/models/seq2seq.js";
import { loadTokenizer } from "../../src/tokenizer/file.js";
import { onPageBackend } from "./checkpoint.js";
import { CHROMIUM, CHROMIUM_ARGS, type PageServer, ROOT, buildPage, chromiumMissing, servePage, tempDir } from "./harness.js";

const FIXTURE = path.join(ROOT, "test", "fixtures", "tiny-en-es");
const SENTENCE = "In the beginning God created the heavens.";
const FOCUS = { layer: 1, head: 2, token: 3 };
/** The decoder position followed: bos and the first 2 tokens of the greedy translation, a 3×3 causal mask. */
const DECODER_STEP = 2;
const missing = chromiumMissing();

if (missing && process.env.CI) {
  it("Chromium is installed (CI)", () => assert.fail(`browser tests cannot run: ${missing}`));
}

/** The library's explanation in Node, on the backend the page reports (as test/web/checkpoint.ts translates). */
async function explainInNode(backendName: string, temperature: number): Promise<Explanation> {
  const { model } = loadCheckpoint(FIXTURE);
  const tok = loadTokenizer(path.join(FIXTURE, "tokenizer.json"));
  const label = tokenLabel(tok);
  return onPageBackend(backendName, () =>
    explainSeq2Seq(model as Seq2Seq, tok.encode(SENTENCE), { ...FOCUS, decoderStep: DECODER_STEP, topN: 10, temperature, sourceLabel: label, targetLabel: label }));
}

/** A number as the page prints it (formatNumber), back to a number. */
function parseShown(s: string): number {
  const t = s.trim().replace(/−/g, "-");
  return t === "-∞" ? -Infinity : t === "∞" ? Infinity : Number(t);
}

/** The shown text is the value rounded for display, give or take a last digit where two backends round apart. */
function checkShown(shown: string[], want: readonly number[], what: string): void {
  assert.ok(shown.length > 0, `${what}: nothing shown`);
  shown.forEach((s, j) => {
    const v = want[j];
    if (s === formatNumber(v)) return;
    const got = parseShown(s);
    const tol = /e/.test(s) ? 0.006 * Math.abs(v) : 0.0005 + 1e-6;
    assert.ok(Math.abs(got - v) <= tol, `${what}[${j}]: the page shows ${s}, Node gives ${v}`);
  });
}

// every backend the page offers: WebAssembly (its default, the page being cross-origin isolated) and the plain-JS
// reference kernels (?backend=js)
for (const [query, wantBackend] of [["", /^wasm/], ["?backend=js", /^js$/]] as const) describe(`the walk in Chromium${query ? ` (${query})` : ""}`, { skip: missing ? `skipped: ${missing}` : false }, () => {
  let tmp: string;
  let server: PageServer;
  let browser: BrowserContext;
  let page: Page;

  const current = "#walk-steps section.walk-step.current";
  const cells = (key: string) => page.$$eval(`${current} tr[data-key="${key}"] td.num`, (els) => els.map((e) => e.textContent ?? ""));
  const step = () => page.getAttribute("#walk-steps", "data-step");
  const goTo = async (id: string) => {
    await page.selectOption("#walk-pick", id);
    assert.equal(await step(), id);
  };
  const waitWalk = async () => {
    await page.waitForFunction(() => ["done", "error"].includes(document.getElementById("walk-status")?.dataset.state ?? ""), null, { timeout: 60_000 });
    assert.equal(await page.getAttribute("#walk-status", "data-state"), "done", (await page.textContent("#walk-status")) ?? "");
  };

  before(async () => {
    tmp = tempDir("transformer-walk-");
    await buildPage(path.join(tmp, "www"), path.join(tmp, "vite-cache"));
    server = await servePage(path.join(tmp, "www"));
    server.model = FIXTURE;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url + query);
    await page.waitForFunction(() => document.getElementById("ckpt-status")?.dataset.state === "loaded", null, { timeout: 60_000 });
    assert.match((await page.getAttribute("body", "data-backend")) ?? "", wantBackend, "the backend the page runs on");
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("shows explainSeq2Seq's numbers at each step, for the chosen token, layer, head and decoder position; ← and → move", async () => {
    const backendName = (await page.getAttribute("body", "data-backend")) ?? "js";
    await page.fill("#walk-text", SENTENCE);
    await page.click("#walk-go");
    await waitWalk();
    // the decoder position: by default the third (bos and 2 greedy tokens); position 1, then back to 2
    const prefixShown = async () => ((await page.getAttribute("#walk-steps", "data-prefix")) ?? "").split(",").map(Number);
    assert.equal(await page.inputValue("#walk-decoder-step"), String(DECODER_STEP), "the default position");
    await page.selectOption("#walk-decoder-step", "1");
    await waitWalk();
    assert.equal((await prefixShown()).length, 2);
    await page.selectOption("#walk-decoder-step", String(DECODER_STEP));
    await waitWalk();
    await page.selectOption("#walk-layer", String(FOCUS.layer));
    await waitWalk();
    await page.selectOption("#walk-head", String(FOCUS.head));
    await waitWalk();
    await page.selectOption("#walk-token", String(FOCUS.token));
    await waitWalk();
    const e = await explainInNode(backendName, 2);
    const { layer: L, head: H, token: I } = FOCUS;
    assert.deepEqual(await prefixShown(), e.steps[0].input.ids, "the page's decoder reads Node's greedy prefix");
    const bos = e.steps[0].input.tokens[0];
    assert.deepEqual(await page.$$eval("#walk-decoder-step option", (els) => els.slice(0, 3).map((x) => x.textContent)),
      [`0: ${bos}`, `1: ${bos} ${e.translation!.tokens[0]}`, `2: ${bos} ${e.translation!.tokens.slice(0, 2).join(" ")}`], "the positions name their tokens");
    assert.deepEqual(await page.$$eval(`${current} tr[data-key="ids"] td`, (els) => els.map((x) => Number(x.textContent))), e.source.ids);

    // → and ← move one step (the focus is on the last select changed: move it to the page first)
    await page.click("#walk-section h2");
    await goTo("tokens");
    await page.keyboard.press("ArrowRight");
    assert.equal(await step(), "embedding");
    checkShown(await cells(`scaled.${I}`), e.encoder.embedding.scaled[I], "embedding × √dModel");
    await page.keyboard.press("ArrowRight");
    assert.equal(await step(), "positions");
    checkShown(await cells("pe"), e.encoder.embedding.positional[I], "PE");
    checkShown(await cells("sum"), e.encoder.embedding.sum[I], "embedding + PE");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await step(), "embedding");
    await page.click("#walk-prev");
    assert.equal(await step(), "tokens");
    assert.equal(await page.isDisabled("#walk-prev"), true);

    const enc = e.encoder.layers[L];
    const att = enc.selfAttention;
    const head = att.heads[H];
    await goTo("qkv");
    checkShown(await cells("q"), head.q[I], "q");
    checkShown(await cells("k"), head.k[I], "k");
    checkShown(await cells("v"), head.v[I], "v");
    checkShown(await cells("wq.0"), e.focusWeights.wQ[0], "W_Q row 0");
    await goTo("scores");
    checkShown(await cells("scores"), head.scores[I], "q · k");
    checkShown(await cells("scaled"), head.scaled[I], "÷ √dK");
    await goTo("softmax");
    checkShown(await cells("weights"), head.weights[I], "softmax");
    await goTo("values");
    checkShown(await cells("output"), head.output[I], "Σ w v");
    await goTo("heads");
    checkShown(await cells("output"), att.output[I], "W_O");
    await goTo("add-norm-1");
    const mean = await page.textContent(`${current} [data-key="an1.mean"]`);
    checkShown([mean ?? ""], [enc.addNorm1.norm.mean[I]], "LayerNorm mean");
    checkShown([(await page.textContent(`${current} [data-key="an1.variance"]`)) ?? ""], [enc.addNorm1.norm.variance[I]], "LayerNorm variance");
    checkShown(await cells("an1.norm"), enc.addNorm1.norm.output[I], "LayerNorm output");
    await goTo("feed-forward");
    checkShown(await cells("activated"), enc.feedForward.activated[I], "ReLU");
    assert.equal(Number(await page.getAttribute(`${current} [data-key="zeros"]`, "data-value")), enc.feedForward.zeros[I]);
    await goTo("encoder-output");
    checkShown(await cells(`out.${I}`), e.encoder.output[I], "encoder output");

    const first = e.steps[0];
    const dl = first.layers[L];
    const J = DECODER_STEP;
    await goTo("masked-self-attention");
    // a 3×3 mask: −∞ above the diagonal; every row's weights are Node's, 0 under each −∞
    const mask = await page.$$eval(`${current} tr[data-key^="mask."]`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
    assert.deepEqual(mask, [0, 1, 2].map((t) => [0, 1, 2].map((s) => (s > t ? "−∞" : "0"))), "the causal mask");
    for (let t = 0; t <= J; t++) {
      const w = dl.selfAttention.heads[H].weights[t];
      checkShown(await cells(`weights.${t}`), w, `masked self-attention row ${t}`);
      w.forEach((x, s) => assert.equal(x === 0, s > t, `Node's weight (${t}, ${s})`));
    }
    checkShown(await cells("weights"), dl.selfAttention.heads[H].weights[J], "masked self-attention, the last row");
    await goTo("cross-attention");
    checkShown(await cells("weights"), dl.crossAttention.heads[H].weights[J], "cross-attention");
    checkShown(await cells("k.0"), dl.crossAttention.heads[H].k[0], "cross k from the encoder");
    await goTo("logits");
    const top = first.prediction.top;
    checkShown(await cells("top.0"), [top[0].logit], "the largest logit");
    // the slider: the library's softmax(logits / τ), as explainSeq2Seq gives it at τ = 2 in Node
    await goTo("temperature");
    await page.fill("#walk-temperature", "2");
    await page.waitForSelector("#walk-steps[data-temperature='2']");
    for (let i = 0; i < 3; i++) checkShown(await cells(`top.${i}`), [top[i].logit, top[i].prob, top[i].probAtTemperature], `top ${i} at τ = 2`);
    await goTo("chosen");
    assert.equal(Number(await page.getAttribute(`${current} [data-key="chosen"]`, "data-id")), first.prediction.chosen.id);
    await goTo("next-step");
    const second = e.steps[1].layers[L].selfAttention;
    checkShown(await cells("weights"), second.heads[H].weights[0], "step 2 over the KV cache");
    assert.deepEqual(await page.$$eval(`${current} tr[data-key^="k."]`, (els) => els.map((x) => x.className)), ["cache", "cache", "cache", "new"], "rows 0..2 from the cache, row 3 new");
    await goTo("beam");
    await page.keyboard.press("ArrowRight");
    assert.equal(await step(), "beam", "→ stops at the last step");
  });

  it("trains the notes' toy in the page: greedy “let's go” gives “vamos <EOS>”, and the walk follows it", async () => {
    const t0 = Date.now();
    await page.click("#walk-train-toy");
    await page.waitForFunction(() => ["trained", "error"].includes(document.getElementById("walk-toy-status")?.dataset.state ?? ""), null, { timeout: 120_000 });
    console.log(`toy trained in the page in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await page.textContent("#walk-toy-status")}`);
    assert.equal(await page.getAttribute("#walk-toy-status", "data-state"), "trained");
    assert.equal(await page.getAttribute("#walk-toy-status", "data-translation"), "vamos <EOS>");
    await waitWalk();
    assert.equal(await page.getAttribute("#walk-steps", "data-model"), "toy");
    await goTo("tokens");
    assert.deepEqual(await page.$$eval(`${current} .tok-chip`, (els) => els.map((x) => x.textContent)), ["let's", "go", "<EOS>"]);
    await goTo("chosen");
    assert.equal(await page.getAttribute(`${current} [data-key="chosen"]`, "data-id"), "2", "after “<start> vamos”: <EOS>");
    await goTo("embedding");
    assert.equal((await cells("scaled.0")).length, 2, "d_model 2: every component on the screen");
    // “vamos <EOS>” has positions 0 and 1: the default clamps to 1, a 2×2 mask
    assert.deepEqual(await page.$$eval("#walk-decoder-step option", (els) => els.map((x) => x.textContent)), ["0: <start>", "1: <start> vamos"]);
    assert.equal(await page.inputValue("#walk-decoder-step"), "1");
    await goTo("masked-self-attention");
    assert.deepEqual(await page.$$eval(`${current} tr[data-key^="mask."] td`, (tds) => tds.map((td) => td.textContent)), ["0", "−∞", "0", "0"]);
  });
});
