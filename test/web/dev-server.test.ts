/**
 * The page as a user meets it: `npm run web` exactly as the README says (Vite's dev server, not a test server), in
 * real Chromium, translating with the checkpoint the page loads by default — without clicking anything but
 * Translate — and giving the Spanish that `npx transformer translate` prints for the same checkpoint and sentence.
 * A missing optional file (tokenizer.target.json) must be a 404 there, never index.html with status 200.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, chromiumMissing, tempDir } from "./harness.js";

const SENTENCE = "In the beginning God created the heavens and the earth.";
const DEFAULT_CHECKPOINT = path.join(ROOT, "web", "public", "demo");
const missing = chromiumMissing();

if (missing && process.env.CI) {
  it("Chromium is installed (CI)", () => assert.fail(`browser tests cannot run: ${missing}`));
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
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

/** What the CLI prints for the sentence, on the backend `name` (as the page names it) or the default one. */
function cliTranslate(backendName?: string): string {
  const env = { ...process.env };
  if (backendName) env.TRANSFORMER_BACKEND = backendName.startsWith("wasm") ? "wasm" : backendName;
  return execFileSync(process.execPath, [path.join(ROOT, "dist", "src", "cli", "main.js"), "translate", "--checkpoint", DEFAULT_CHECKPOINT, SENTENCE], { env, encoding: "utf8" }).trim();
}

describe("npm run web in Chromium", { skip: missing ? `skipped: ${missing}` : false }, () => {
  let tmp: string;
  let server: ChildProcess;
  let url: string;
  let browser: BrowserContext;

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

  it("answers a missing optional file with 404, not the page", async () => {
    const res = await fetch(new URL("demo/tokenizer.target.json", url));
    assert.equal(res.status, 404);
    assert.equal((await fetch(new URL("demo/config.json", url))).status, 200);
  });

  it("loads the default checkpoint by itself and translates it as the CLI does", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#ckpt-status")?.dataset.state === "loaded" || document.querySelector<HTMLElement>("#ckpt-status")?.dataset.state === "error", null, { timeout: 60_000 });
    assert.equal(await page.getAttribute("#ckpt-status", "data-state"), "loaded", (await page.textContent("#ckpt-status")) ?? "");
    await page.fill("#src-text", SENTENCE);
    await page.click("#translate");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#output")?.dataset.state === "done", null, { timeout: 60_000 });
    const shown = ((await page.textContent("#output")) ?? "").trim();
    const backendName = (await page.evaluate(() => document.body.dataset.backend)) ?? "";
    assert.ok(shown.length > 0, "the page shows a translation");
    assert.equal(shown, cliTranslate(backendName), `the page (${backendName}) and the CLI on the same backend`);
    assert.equal(shown, cliTranslate(), "the page and the CLI exactly as a user runs it (default backend)");
    assert.deepEqual(errors, []);
    await page.close();
  });
});
