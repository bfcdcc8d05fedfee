/**
 * The seq2seq ONNX export in a browser: real Chromium runs the exported files under onnxruntime-web (its wasm
 * build, one thread) and decodes greedily with the library's own driver, `onnx.ortGreedySeq2Seq`, imported into the
 * page as the compiled ES module dist/src/export/ort-greedy.js (its imports are relative and browser-safe: no Node
 * built-in, no bare specifier). The token ids must equal the library's greedy ids computed in Node.
 *
 * Needs Debian's chromium (as the other browser tests) and onnxruntime-web, which is not a dependency of its own:
 * `npm install --save-dev onnxruntime-web@^1.30.0`. Without the package the suite is skipped with that line;
 * ORT_WEB_DIST may name another copy's dist/ folder (e.g. one installed outside the repository).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { exportOnnx } from "../../src/export/index.js";
import { generate } from "../../src/generate/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { Seq2Seq } from "../../src/models/index.js";
import { loadTokenizer } from "../../src/tokenizer/file.js";
import { VARIANTS, tinySeq2Seq } from "../generate/models.js";
import { trainTinyCheckpoint } from "./checkpoint.js";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, chromiumMissing, serveFolders, tempDir } from "./harness.js";

const ORT_WEB_DIST = process.env.ORT_WEB_DIST ?? path.join(ROOT, "node_modules", "onnxruntime-web", "dist");
/** What the page loads of onnxruntime-web: its wasm-only build, and the Emscripten module and binary it fetches. */
const ORT_FILES = ["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"];

function ortWebMissing(): string | null {
  const absent = ORT_FILES.filter((f) => !fs.existsSync(path.join(ORT_WEB_DIST, f)));
  if (absent.length === 0) return null;
  return `onnxruntime-web not found (${path.join(ORT_WEB_DIST, absent[0])}): npm install --save-dev onnxruntime-web@^1.30.0`;
}

const missing = chromiumMissing();
const noOrtWeb = ortWebMissing();

if (missing && process.env.CI) {
  it("Chromium is installed (CI)", () => assert.fail(`browser tests cannot run: ${missing}`));
}

type Result = { tokens: number[]; finish: string };

/** The library's greedy search in Node, as ortGreedySeq2Seq returns it. */
function oursGreedy(model: Seq2Seq, sources: number[][], maxNewTokens?: number): Result[] {
  return generate(model, sources, { strategy: "greedy", maxNewTokens }).results.map((r) => ({ tokens: r[0].tokens, finish: r[0].finish }));
}

describe("the seq2seq ONNX export in Chromium under onnxruntime-web (wasm)", { skip: missing ? `skipped: ${missing}` : noOrtWeb ? `skipped: ${noOrtWeb}` : false }, () => {
  let tmp: string;
  let models: string;
  let server: { url: string; close(): Promise<void> };
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    tmp = tempDir("transformer-ort-web-");
    models = path.join(tmp, "models");
    server = await serveFolders({ "/ort/": ORT_WEB_DIST, "/lib/": path.join(ROOT, "dist", "src"), "/models/": models });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, "the server's COOP/COEP headers isolate the page");
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Greedy ids of the export in models/`name`, decoded in the page for each maxNewTokens (null: the default). */
  function decodeInPage(name: string, sources: number[][], maxNewTokens: (number | null)[]): Promise<{ runs: Result[][]; threads: number }> {
    return page.evaluate(async ({ name, sources, maxNewTokens }) => {
      const ortUrl = "/ort/ort.wasm.min.mjs", driverUrl = "/lib/export/ort-greedy.js"; // variables: tsc leaves them alone
      const ort = await import(ortUrl);
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.wasmPaths = "/ort/";
      const { ortGreedySeq2Seq } = await import(driverUrl);
      const open = (file: string) => ort.InferenceSession.create(`/models/${name}/${file}`, { executionProviders: ["wasm"] });
      const sessions = { encoder: await open("onnx/encoder_model.onnx"), decoderMerged: await open("onnx/decoder_model_merged.onnx") };
      const config = await (await fetch(`/models/${name}/transformer_config.json`)).json();
      const runs: Result[][] = [];
      for (const n of maxNewTokens) runs.push(await ortGreedySeq2Seq(ort, sessions, config, sources, n === null ? {} : { maxNewTokens: n }));
      return { runs, threads: ort.env.wasm.numThreads as number };
    }, { name, sources, maxNewTokens });
  }

  const SOURCES = [[3, 4, 5, 6, 7, 8, 2], [9, 10, 2], [5, 5, 6, 2, 3], [4], [6, 7, 8, 9, 10, 3, 4, 5]];
  const CASES: Array<{ name: string; model: () => Seq2Seq }> = [
    { name: "post-ln", model: () => tinySeq2Seq(VARIANTS[0], 11) },
    { name: "pre-ln-tied", model: () => tinySeq2Seq(VARIANTS[1], 5, { tie_word_embeddings: true, tgt_vocab_size: 11 }) },
    {
      name: "emits-pad", // pad wins at some steps: the driver leaves the cache for the first-step branch
      model: () => {
        const m = tinySeq2Seq(VARIANTS[0], 2);
        m.generator.bias!.data[m.config.pad_id] += 1;
        return m;
      },
    },
  ];

  for (const { name, model: make } of CASES) {
    it(`${name}: a padded batch decodes to the library's greedy ids, over the KV cache, with and without --max-new-tokens`, async () => {
      const model = make();
      exportOnnx(model, path.join(models, name));
      const { runs, threads } = await decodeInPage(name, SOURCES, [null, 4]);
      assert.equal(threads, 1);
      assert.deepEqual(runs[0], oursGreedy(model, SOURCES));
      assert.deepEqual(runs[1], oursGreedy(model, SOURCES, 4));
      if (name === "emits-pad") assert.ok(runs[0].some((r) => r.tokens.slice(0, -1).includes(0)), "the case is there: pad fed back mid-sentence");
    });
  }

  it("a trained checkpoint: the ids our tokenizer gives a verse translate in the page to the library's greedy ids", async () => {
    await trainTinyCheckpoint(tmp);
    const run = path.join(tmp, "run");
    const { model } = loadCheckpoint(run);
    const src = loadTokenizer(path.join(run, "tokenizer.json"));
    const tgt = loadTokenizer(path.join(run, "tokenizer.target.json"));
    exportOnnx(model, path.join(models, "trained"), { tokenizer: src, targetTokenizer: tgt });
    const sources = ["In the beginning, God created the heavens and the earth.", "Jesus wept."].map((s) => src.encode(s));
    const { runs } = await decodeInPage("trained", sources, [null]);
    const ours = oursGreedy(model as Seq2Seq, sources);
    assert.deepEqual(runs[0], ours);
    assert.deepEqual(runs[0].map((r) => tgt.decode(r.tokens)), ours.map((r) => tgt.decode(r.tokens)));
  });
});
