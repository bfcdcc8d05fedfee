import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CheckpointError, TokenizerError } from "../../src/errors.js";
import { parseJsonText } from "../../src/io/json-text.js";
import { readJsonFile, readTextFile } from "../../src/io/read-json.js";

const dir = mkdtempSync(join(tmpdir(), "read-json-"));

/** `f` throws an instance of `cls` with a one-line message: `message` exactly, or one that `message` accepts. */
function throwsOneLine(f: () => unknown, cls: new (m: string) => Error, message: string | ((m: string) => boolean)): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof cls, `${e.name}, expected ${cls.name}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.ok(message(e.message), e.message);
    assert.ok(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
    return true;
  });
}

/** V8's reason differs between Node versions; the frame around it is ours. */
const notValid = (file: string) => (m: string) => m.startsWith(`${file}: not valid JSON (`) && m.endsWith(")") && m.length > `${file}: not valid JSON ()`.length;

test("parseJsonText: the value, or FILE: not valid JSON (reason) as the caller's error class, on one line", () => {
  assert.deepEqual(parseJsonText('{"a": [1, 2]}', "x.json", CheckpointError), { a: [1, 2] });
  throwsOneLine(() => parseJsonText("", "config.json", CheckpointError), CheckpointError, notValid("config.json"));
  // V8 quotes the text around the error, line break and all
  throwsOneLine(() => parseJsonText("[1,\n x]", "tokenizer.json", TokenizerError), TokenizerError, notValid("tokenizer.json"));
});

test("readJsonFile and readTextFile: FILE: missing, FILE: cannot read (reason), or what parseJsonText says", () => {
  const good = join(dir, "good.json");
  writeFileSync(good, '{"step": 3}\n');
  assert.deepEqual(readJsonFile(good, CheckpointError), { step: 3 });
  assert.equal(readTextFile(good, TokenizerError), '{"step": 3}\n');

  const absent = join(dir, "absent.json");
  throwsOneLine(() => readJsonFile(absent, CheckpointError), CheckpointError, `${absent}: missing`);
  throwsOneLine(() => readTextFile(absent, TokenizerError), TokenizerError, `${absent}: missing`);
  throwsOneLine(() => readJsonFile(dir, CheckpointError), CheckpointError, `${dir}: cannot read (EISDIR: illegal operation on a directory, read)`);

  const bad = join(dir, "bad.json");
  writeFileSync(bad, '{"step": 3,}');
  throwsOneLine(() => readJsonFile(bad, CheckpointError), CheckpointError, notValid(bad));
});
