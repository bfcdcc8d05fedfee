/**
 * The shipped model (models/en-es/) as the page's default, checked the same way wherever the page is served (the
 * dev server, a production build): it loads with no click, shows its card's scores, and translates as
 * `node dist/src/cli/main.js translate --checkpoint models/en-es` does, with a warning where the CLI warns.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "./harness.js";

export const SHIPPED_MODEL = path.join(ROOT, "models", "en-es");
export const SENTENCE = "In the beginning God created the heavens and the earth.";

/** Why the shipped-model tests cannot run, or null (a clone always has the folder; a checkout mid-change may not). */
export function shippedModelMissing(): string | null {
  return fs.existsSync(path.join(SHIPPED_MODEL, "config.json")) ? null : `${SHIPPED_MODEL} is absent: no shipped model to test`;
}

export interface CliTranslation {
  text: string;
  stderr: string;
}

/** What the CLI prints for `text` with the shipped model, on the backend `name` (as the page names it) or the default one. */
export function cliTranslate(text: string, backendName?: string): CliTranslation {
  const env = { ...process.env };
  if (backendName) env.TRANSFORMER_BACKEND = backendName.startsWith("wasm") ? "wasm" : backendName;
  const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "src", "cli", "main.js"), "translate", "--checkpoint", SHIPPED_MODEL, text], { env, encoding: "utf8" });
  assert.equal(r.status, 0, `the CLI failed: ${r.stderr}`);
  return { text: r.stdout.trim(), stderr: r.stderr };
}

/** Waits until the page has loaded a checkpoint by itself (nothing clicked), and fails with its message if it could not. */
export async function waitForDefaultModel(page: Page): Promise<void> {
  await page.waitForFunction(() => ["loaded", "error"].includes(document.querySelector<HTMLElement>("#ckpt-status")?.dataset.state ?? ""), null, { timeout: 120_000 });
  assert.equal(await page.getAttribute("#ckpt-status", "data-state"), "loaded", (await page.textContent("#ckpt-status")) ?? "");
  assert.equal(await page.getAttribute("#ckpt-status", "data-source"), "the shipped model en-es");
}

/** The scores.json beside the shipped model, or null when it has none. */
function shippedScores(): { test: { examples: number; greedy: { bleu: number; chrf: number }; beam4: { bleu: number; chrf: number } }; steps: number; train_hours: number; hardware: string } | null {
  const file = path.join(SHIPPED_MODEL, "scores.json");
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null;
}

/** The scores line says what scores.json says (each number as the page rounds it), or is hidden when there is none. */
export async function checkScoresLine(page: Page): Promise<void> {
  const s = shippedScores();
  if (!s) {
    assert.equal(await page.isHidden("#model-scores"), true, "no scores.json, no scores line");
    return;
  }
  const line = (await page.textContent("#model-scores")) ?? "";
  const f1 = (x: number) => x.toFixed(1);
  for (const want of [
    "Shipped model", `BLEU ${f1(s.test.beam4.bleu)} (beam 4)`, `${f1(s.test.greedy.bleu)} (greedy)`, `chrF ${f1(s.test.beam4.chrf)}`,
    `${s.test.examples.toLocaleString("en")} held-out test verses`, `${s.steps.toLocaleString("en")} steps`,
    `${f1(s.train_hours)} h`, s.hardware,
  ]) {
    assert.ok(line.includes(want), `the scores line lacks "${want}": ${line}`);
  }
  assert.equal(await page.isVisible("#model-scores"), true);
}

/** Clicks Translate (greedy, the default) on `text` and returns the translation the page shows. */
export async function translateOnPage(page: Page, text: string): Promise<string> {
  await page.fill("#src-text", text);
  await page.click("#translate");
  await page.waitForFunction(() => ["done", "error"].includes(document.querySelector<HTMLElement>("#output")?.dataset.state ?? ""), null, { timeout: 300_000 });
  assert.equal(await page.getAttribute("#output", "data-state"), "done", (await page.textContent("#translate-status")) ?? "");
  return ((await page.textContent("#output")) ?? "").trim();
}

/** The page's translation of the sentence equals the CLI's, on the page's backend and on the CLI's default one. */
export async function checkTranslatesAsCli(page: Page): Promise<void> {
  const shown = await translateOnPage(page, SENTENCE);
  const backendName = (await page.evaluate(() => document.body.dataset.backend)) ?? "";
  assert.ok(shown.length > 0, "the page shows a translation");
  assert.equal(shown, cliTranslate(SENTENCE, backendName).text, `the page (${backendName}) and the CLI on the same backend`);
  assert.equal(shown, cliTranslate(SENTENCE).text, "the page and the CLI exactly as a user runs it (default backend)");
  assert.equal(await page.isHidden("#translate-warning"), true, "a short sentence is not cut");
}

/**
 * A text longer than the model's max_len: the CLI translates its first max_len tokens with a warning; the page must
 * give the same translation and say, in as many words, that the rest was cut.
 */
export async function checkCutWarning(page: Page): Promise<void> {
  const { max_len: maxLen } = JSON.parse(fs.readFileSync(path.join(SHIPPED_MODEL, "config.json"), "utf8")) as { max_len: number };
  // the sentence is about a dozen tokens: enough copies to pass max_len by half again
  const long = Array.from({ length: Math.ceil((1.5 * maxLen) / 10) }, () => SENTENCE).join(" ");
  const backendName = (await page.evaluate(() => document.body.dataset.backend)) ?? "";
  const cli = cliTranslate(long, backendName);
  const m = /has (\d+) tokens; only the first (\d+) \(the model's max_len\) are translated/.exec(cli.stderr);
  assert.ok(m, `the CLI warns about the cut: ${cli.stderr}`);
  const tokens = Number(m[1]);
  assert.ok(tokens > maxLen && Number(m[2]) === maxLen, cli.stderr);
  const shown = await translateOnPage(page, long);
  assert.equal(await page.isVisible("#translate-warning"), true, "the page warns about the cut");
  assert.equal(((await page.textContent("#translate-warning")) ?? "").trim(),
    `Input is ${tokens.toLocaleString("en")} tokens; the model reads at most ${maxLen} — the rest was cut.`);
  assert.equal(shown, cli.text, `the page (${backendName}) and the CLI translate the same first ${maxLen} tokens`);
}
