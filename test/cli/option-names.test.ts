import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { OptionError } from "../../src/errors.js";
import { resolveGenerationConfig } from "../../src/generate/index.js";
import { TRAIN_OPTIONS } from "../../src/run/index.js";
import { addTableOptions, flagOf, typedOptions } from "../../src/cli/flags.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

/** Exit 1, one stderr line that is `expected`, and no library key (a camelCase word) in it. */
function failsWith(r: ReturnType<typeof run>, expected: string): void {
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stderr, `transformer: ${expected}\n`);
  assert.doesNotMatch(r.stderr, /\b[a-z]+[A-Z]\w*/, "a library key leaked into the message");
}

test("OptionError carries the key; each door names it its own way", () => {
  let err: unknown;
  try {
    resolveGenerationConfig({ strategy: "sample", topP: 2 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof OptionError);
  assert.equal(err.key, "topP");
  assert.equal(err.message, "topP must be in (0, 1], got 2");
  assert.equal(err.named(flagOf), "--top-p must be in (0, 1], got 2");
  assert.equal(err.named((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)), "top_p must be in (0, 1], got 2");
  // a sentence naming two options names both as the door does
  const two = new OptionError("numReturnSequences", (n) => `${n("numReturnSequences")} 3 is more than ${n("numBeams")} 2`);
  assert.equal(two.named(flagOf), "--num-return-sequences 3 is more than --beam 2");
  // an error about no option is left as written; a user's value is never read as an option name
  assert.equal(new OptionError("generate: no inputs").named(flagOf), "generate: no inputs");
  assert.equal(new OptionError("data", "{valid}.tsv: file not found").named(flagOf), "--data {valid}.tsv: file not found");
  assert.deepEqual([flagOf("maxNewTokens"), flagOf("sharedVocab"), flagOf("numBeams"), flagOf("lr")], ["--max-new-tokens", "--separate-vocab", "--beam", "--lr"]);
});

test("train's flags are built from the table: one per option, and only what was typed reaches the library", () => {
  const cmd = addTableOptions(new Command("train").exitOverride(), TRAIN_OPTIONS);
  const flags = cmd.options.map((o) => o.long);
  assert.deepEqual(flags, Object.keys(TRAIN_OPTIONS).map(flagOf));
  cmd.action(() => {}).parse(["--clip", "0.5", "--separate-vocab", "--steps", "7", "--on-bad-row", "skip"], { from: "user" });
  assert.deepEqual(typedOptions(cmd, TRAIN_OPTIONS), { clip: 0.5, sharedVocab: false, steps: 7, onBadRow: "skip" });
  // commander filled the defaults, which the library fills itself: they are not passed as given
  assert.equal(cmd.opts().saveEvery, 200);
});

test("the CLI names the flag typed, never the library's key", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "names-"));
  const data = path.join(tmp, "pairs.tsv");
  fs.writeFileSync(data, "english\tspanish\nhello\thola\n");
  const out = path.join(tmp, "out");
  const nowhere = path.join(tmp, "no-checkpoint"); // generation options are checked before a checkpoint is read
  failsWith(run("generate", "--checkpoint", nowhere, "--top-p", "2"), "--top-p must be in (0, 1], got 2");
  failsWith(run("generate", "--checkpoint", nowhere, "--max-new-tokens", "0"), "--max-new-tokens must be an integer ≥ 1, got 0");
  failsWith(run("translate", "--checkpoint", nowhere, "--max-new-tokens", "0", "x"), "--max-new-tokens must be an integer ≥ 1, got 0");
  failsWith(run("translate", "--checkpoint", nowhere, "--beam", "0", "x"), "--beam must be an integer ≥ 1, got 0");
  failsWith(run("train", "--data", data, "--out", out, "--steps", "1", "--vocab-size", "3"), "--vocab-size must be in 260..2097152 (4 specials + 256 bytes + merges), got 3");
  failsWith(run("train", "--data", data, "--out", out, "--steps", "1", "--batch-tokens", "64", "--max-len", "128"),
    "--batch-tokens 64 is less than --max-len 128: a batch must hold an example of max_len tokens");
  failsWith(run("train", "--data", data, "--out", out, "--steps", "1", "--label-smoothing", "1"), "--label-smoothing must be in [0, 1), got 1");
  failsWith(run("train", "--data", data, "--out", out, "--minutes", "1", "--schedule", "cosine"), "--schedule cosine needs --steps (its decay is defined by the total)");
  failsWith(run("train", "--arch", "decoder_only", "--data", data, "--out", out, "--steps", "1", "--separate-vocab"), "--separate-vocab applies to seq2seq only, not to decoder_only");
  failsWith(run("train", "--arch", "encoder_only", "--data", data, "--out", out, "--steps", "1", "--src-col", "en"), "--src-col applies to seq2seq only, not to encoder_only");
  failsWith(run("eval", "--checkpoint", nowhere, "--data", data, "--limit", "0"), `--limit must be an integer ≥ 1, got 0`);
  assert.ok(!fs.existsSync(out), "nothing written for refused options");
});
