#!/usr/bin/env node
/**
 * Screenshots of every step of the page's walk (section 5), for the notes' toy and for the shipped model:
 * builds the page with Vite into a temp folder, serves it as the browser tests do (test/web/harness.ts, with the
 * shipped models/en-es/ beside it), drives headless Chromium with playwright-core, and saves one PNG per step.
 *
 *   npm run build && node scripts/walk-screenshots.mjs OUT_DIR [--sentence "TEXT"] [--toy-sentence "TEXT"]
 *
 * Writes OUT_DIR/toy-NN-STEP.png and OUT_DIR/shipped-NN-STEP.png (NN the step's number), nothing else.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, buildPage, chromiumMissing, servePage, tempDir } from "../dist/test/web/harness.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sentence: { type: "string", default: "In the beginning God created the heavens and the earth." },
    "toy-sentence": { type: "string", default: "let's go" },
  },
});
if (positionals.length !== 1) {
  console.error("usage: node scripts/walk-screenshots.mjs OUT_DIR [--sentence TEXT] [--toy-sentence TEXT]");
  process.exit(2);
}
const out = path.resolve(positionals[0]);
const missing = chromiumMissing();
if (missing) {
  console.error(missing);
  process.exit(1);
}
if (!fs.existsSync(path.join(ROOT, "dist", "test", "web", "harness.js"))) {
  console.error("dist/ is missing: run npm run build first");
  process.exit(1);
}
fs.mkdirSync(out, { recursive: true });

const tmp = tempDir("transformer-walk-shots-");
const { chromium } = await import("playwright-core");
let browser;
let server;
try {
  await buildPage(path.join(tmp, "www"), path.join(tmp, "vite-cache"));
  server = await servePage(path.join(tmp, "www"));
  browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1000 },
  });
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(server.url);
  await page.waitForFunction(() => ["loaded", "error"].includes(document.getElementById("ckpt-status")?.dataset.state ?? ""), null, { timeout: 120_000 });

  const waitWalk = async () => {
    await page.waitForFunction(() => ["done", "error"].includes(document.getElementById("walk-status")?.dataset.state ?? ""), null, { timeout: 120_000 });
    if ((await page.getAttribute("#walk-status", "data-state")) !== "done") throw new Error(`the walk failed: ${await page.textContent("#walk-status")}`);
  };
  /** Every step of the walk shown now, one PNG each (the section only, from its heading down). */
  const shootAll = async (prefix) => {
    const ids = await page.$$eval("#walk-pick option", (els) => els.map((e) => e.value));
    const files = [];
    for (const [i, id] of ids.entries()) {
      await page.selectOption("#walk-pick", id);
      const file = path.join(out, `${prefix}-${String(i + 1).padStart(2, "0")}-${id}.png`);
      await page.locator("#walk-section").screenshot({ path: file });
      files.push(file);
    }
    return files;
  };

  // the notes' toy: trained in the page, then walked
  await page.click("#walk-train-toy");
  await page.waitForFunction(() => ["trained", "error"].includes(document.getElementById("walk-toy-status")?.dataset.state ?? ""), null, { timeout: 120_000 });
  console.log(await page.textContent("#walk-toy-status"));
  await waitWalk();
  if (values["toy-sentence"] !== "let's go") {
    await page.fill("#walk-text", values["toy-sentence"]);
    await page.click("#walk-go");
    await waitWalk();
  }
  const toy = await shootAll("toy");

  // the shipped model (or whatever loaded by itself)
  if ((await page.getAttribute("#ckpt-status", "data-state")) !== "loaded") throw new Error(`no model loaded: ${await page.textContent("#ckpt-status")}`);
  await page.selectOption("#walk-model", "loaded");
  await page.fill("#walk-text", values.sentence);
  await page.click("#walk-go");
  await waitWalk();
  const shipped = await shootAll("shipped");
  for (const f of [...toy, ...shipped]) console.log(f);
} finally {
  await browser?.close();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
