import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { TokenizerError } from "../../src/errors.js";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { loadTokenizer, saveTokenizer } from "../../src/tokenizer/file.js";
import { TRICKY } from "./corpus.js";

const dir = mkdtempSync(join(tmpdir(), "tokenizer-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const tok = Tokenizer.train(["the cat sat on the mat", "el gato se sentó"], { vocabSize: 280, minFrequency: 1 });

test("save then load gives the same tokenizer, and leaves no temporary file", () => {
  const path = join(dir, "tokenizer.json");
  writeFileSync(path, "old content"); // overwritten atomically
  saveTokenizer(tok, path);
  assert.deepEqual(readdirSync(dir), ["tokenizer.json"]);
  const loaded = loadTokenizer(path);
  assert.deepEqual(loaded.toJSON(), tok.toJSON());
  for (const s of TRICKY) assert.deepEqual(loaded.encode(s), tok.encode(s));
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), JSON.parse(JSON.stringify(tok)));
});

test("missing file or folder gives a one-line TokenizerError naming the path", () => {
  const missing = join(dir, "nope", "tokenizer.json");
  const check = (e: unknown) => e instanceof TokenizerError && e.message.startsWith(missing) && !e.message.includes("\n");
  assert.throws(() => loadTokenizer(missing), check);
  assert.throws(() => saveTokenizer(tok, missing), check);
});

test("a malformed file names its path", () => {
  const path = join(dir, "bad.json");
  writeFileSync(path, "{ not json");
  assert.throws(() => loadTokenizer(path), (e: unknown) => e instanceof TokenizerError && e.message.startsWith(`${path}:1:`));
});
