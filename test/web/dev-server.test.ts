/**
 * The page as a user meets it: `npm run web` exactly as the README says (Vite's dev server, not a test server), in
 * real Chromium. The shipped model (models/en-es/) loads by itself; with nothing clicked but Translate, the page
 * gives the Spanish that `npx transformer translate --checkpoint models/en-es` prints, shows the model's scores
 * from its scores.json, and warns where the CLI warns that an input was cut at max_len. A missing optional file
 * under models/en-es/ must be a 404 there, never index.html with status 200.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, SHIPPED_PATH, chromiumMissing, freePort, tempDir } from "./harness.js";
import { SHIPPED_MODEL, checkCutWarning, checkScoresLine, checkTranslatesAsCli, shippedModelMissing, waitForDefaultModel } from "./shipped.js";

const missing = chromiumMissing();
const noModel = shippedModelMissing();

if (missing && process.env.CI) {
  it("Chromium is installed (CI)", () => assert.fail(`browser tests cannot run: ${missing}`));
}

/** Polls `url` until it answers (the dev server is up) or `ms` pass. */
async function waitUp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (e) {
      if (Date.now() > end) throw new Error(`${url} did not answer in ${ms / 1000} s: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const skip = missing ? `skipped: ${missing}` : noModel ? `skipped: ${noModel}` : false;

describe("npm run web in Chromium, with the shipped model", { skip }, () => {
  let tmp: string;
  let server: ChildProcess;
  let url: string;
  let browser: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    tmp = tempDir("transformer-dev-");
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    // detached: its own process group, so that `npm`, the shell and Vite all stop together
    server = spawn("npm", ["run", "web"], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: "ignore", detached: true });
    await waitUp(url, 60_000);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    if (server?.pid) process.kill(-server.pid, "SIGTERM");
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("serves the model's files with their types and the isolation headers, and a missing one as a 404", async () => {
    const at = (name: string) => new URL(SHIPPED_PATH.slice(1) + name, url);
    for (const [name, type] of [["config.json", "application/json"], ["model.safetensors", "application/octet-stream"]]) {
      const res = await fetch(at(name), { method: "HEAD" });
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get("content-type"), type, name);
      assert.equal(res.headers.get("content-length"), String(fs.statSync(path.join(SHIPPED_MODEL, name)).size), name);
      assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp", name);
      assert.equal(res.headers.get("cross-origin-resource-policy"), "same-origin", name);
    }
    const optional = ["tokenizer.target.json", "scores.json"].filter((n) => !fs.existsSync(path.join(SHIPPED_MODEL, n)));
    // "%2E%2E%2Fpackage.json" is ../package.json, escaped so that fetch does not resolve it: it must not climb out
    for (const name of [...optional, "no-such-file.json", "", "%2E%2E%2F..%2Fpackage.json"]) {
      const res = await fetch(at(name));
      assert.equal(res.status, 404, `${name || "the folder itself"}: a 404`);
      assert.ok(!(res.headers.get("content-type") ?? "").includes("text/html"), `${name}: not the page`);
    }
  });

  it("loads the shipped model by itself, shows its scores and translates as the CLI does", async () => {
    page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await waitForDefaultModel(page);
    await checkScoresLine(page);
    await checkTranslatesAsCli(page);
    assert.deepEqual(errors, []);
  });

  it("says when an input is longer than the model's max_len, and translates what the CLI translates", async () => {
    await checkCutWarning(page);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
