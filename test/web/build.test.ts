/**
 * The production build: `vite build` (web/vite.config.ts) copies the shipped model into the output at
 * models/en-es/, so that any static server of the build — here a plain one, which knows nothing of the model —
 * serves it, and the page loads it by itself and translates as the CLI does. `vite preview` of the build serves
 * the model too (from the repository's folder, as the dev server does), with a 404 for a file that is not there.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, type PageServer, ROOT, SHIPPED_PATH, buildPage, chromiumMissing, freePort, servePage, tempDir } from "./harness.js";
import { SHIPPED_MODEL, checkScoresLine, checkTranslatesAsCli, shippedModelMissing, waitForDefaultModel } from "./shipped.js";

const missing = chromiumMissing();
const noModel = shippedModelMissing();
const skip = missing ? `skipped: ${missing}` : noModel ? `skipped: ${noModel}` : false;

describe("a production build in Chromium, with the shipped model", { skip }, () => {
  let tmp: string;
  let www: string;
  let server: PageServer;
  let browser: BrowserContext;

  before(async () => {
    tmp = tempDir("transformer-build-");
    www = path.join(tmp, "www");
    await buildPage(www, path.join(tmp, "vite-cache"));
    server = await servePage(www);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("holds a copy of models/en-es/, file for file", () => {
    const built = path.join(www, SHIPPED_PATH);
    assert.deepEqual(fs.readdirSync(built).sort(), fs.readdirSync(SHIPPED_MODEL).sort());
    for (const name of fs.readdirSync(SHIPPED_MODEL)) {
      assert.ok(fs.readFileSync(path.join(built, name)).equals(fs.readFileSync(path.join(SHIPPED_MODEL, name))), name);
    }
  });

  it("loads the shipped model by itself from a static server, shows its scores and translates as the CLI does", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    await waitForDefaultModel(page);
    await checkScoresLine(page);
    await checkTranslatesAsCli(page);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("under vite preview: loads the shipped model by itself, and a missing file is a 404", async () => {
    const { preview } = await import("vite");
    const vite = await preview({
      configFile: path.join(ROOT, "web", "vite.config.ts"), configLoader: "runner", cacheDir: path.join(tmp, "vite-cache"),
      logLevel: "warn", build: { outDir: www }, preview: { port: await freePort() },
    });
    try {
      const url = vite.resolvedUrls?.local[0];
      assert.ok(url, "vite preview listens");
      const res = await fetch(new URL(SHIPPED_PATH.slice(1) + "no-such-file.json", url));
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp");
      const page = await browser.newPage();
      await page.goto(url);
      await waitForDefaultModel(page);
      await checkScoresLine(page);
      await page.close();
    } finally {
      await vite.close();
    }
  });
});
