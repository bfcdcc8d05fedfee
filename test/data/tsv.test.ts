import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { DataError } from "../../src/errors.js";
import { readLines, readTsv } from "../../src/data/index.js";

const dir = mkdtempSync(join(tmpdir(), "transformer-data-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a fixture file (gzipped when the name ends in .gz) and returns its path. */
function fixture(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  writeFileSync(path, name.endsWith(".gz") ? gzipSync(bytes) : bytes);
  return path;
}

/** Asserts that fn throws a one-line DataError whose message matches every pattern. */
function throwsData(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${e.name}: ${e.message}`);
    assert.ok(!e.message.includes("\n"), `message spans lines: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const TSV = "ref\tenglish\tspanish\nGen 1:1\tIn the beginning\tEn el principio\nGen 1:2\tThe earth\tY la tierra\n";

test("readTsv picks columns by name, in the requested order, from plain and gzipped files", () => {
  for (const name of ["pairs.tsv", "pairs.tsv.gz"]) {
    const t = readTsv(fixture(name, TSV), { columns: ["spanish", "english"] });
    assert.deepEqual(t.header, ["ref", "english", "spanish"]);
    assert.deepEqual(t.rows, [["En el principio", "In the beginning"], ["Y la tierra", "The earth"]]);
    assert.deepEqual(t.lineNumbers, [2, 3]);
    assert.equal(t.skipped, 0);
  }
});

test("readTsv accepts CRLF line ends, a byte-order mark and a missing final newline", () => {
  const t = readTsv(fixture("crlf.tsv", "\uFEFFtext\tlabel\r\nhello\tpos\r\nbye\tneg"), { columns: ["text", "label"] });
  assert.deepEqual(t.rows, [["hello", "pos"], ["bye", "neg"]]);
});

test("readTsv errors name the file and line", async (t) => {
  await t.test("missing file", () => {
    const path = join(dir, "nope.tsv");
    throwsData(() => readTsv(path, { columns: ["english"] }), new RegExp(`^${esc(path)}: no such file`));
  });
  await t.test("empty file", () => {
    const path = fixture("empty.tsv", "");
    throwsData(() => readTsv(path, { columns: ["english"] }), new RegExp(`^${esc(path)}: file is empty`), /english/);
    throwsData(() => readTsv(fixture("empty.tsv.gz", "\n\n"), { columns: ["english"] }), /empty\.tsv\.gz: file is empty/);
  });
  await t.test("header without the requested column lists the columns found", () => {
    const path = fixture("nocol.tsv", "ref\tenglish\tespanol\na\tb\tc\n");
    throwsData(() => readTsv(path, { columns: ["english", "spanish"] }),
      new RegExp(`^${esc(path)}:1: header has no column "spanish" \\(found: ref, english, espanol\\)$`));
  });
  await t.test("wrong column count", () => {
    const path = fixture("count.tsv", `${TSV}Gen 1:3\tAnd God said\n`);
    throwsData(() => readTsv(path, { columns: ["english", "spanish"] }),
      new RegExp(`^${esc(path)}:4: 2 tab-separated fields \\(expected 3, as in the header\\)$`));
  });
  await t.test("invalid UTF-8", () => {
    // line 4 is "a\t\xC3(\tb": 0xC3 starts a 2-byte sequence but "(" is no continuation byte
    const path = fixture("utf8.tsv", Buffer.concat([Buffer.from(TSV), Buffer.from([0x61, 0x09, 0xc3, 0x28, 0x09, 0x62, 0x0a])]));
    throwsData(() => readTsv(path, { columns: ["english"] }), new RegExp(`^${esc(path)}:4: invalid UTF-8 bytes \\(expected UTF-8 text\\)$`));
  });
  await t.test("empty cell in a requested column", () => {
    const path = fixture("cell.tsv", `${TSV}Gen 1:3\t  \tY dijo Dios\n`);
    throwsData(() => readTsv(path, { columns: ["english", "spanish"] }), new RegExp(`^${esc(path)}:4: empty "english" cell`));
    // an empty cell in a column nobody asked for is fine
    assert.equal(readTsv(fixture("cell2.tsv", `${TSV}\tA\tB\n`), { columns: ["english"] }).rows.length, 3);
  });
  await t.test("blank line, header only, not gzip", () => {
    throwsData(() => readTsv(fixture("blank.tsv", `${TSV}\n${TSV}`), { columns: ["english"] }), /blank\.tsv:4: blank line/);
    throwsData(() => readTsv(fixture("header.tsv", "english\tspanish\n"), { columns: ["english"] }), /header\.tsv: header but no data rows/);
    const path = join(dir, "fake.tsv.gz");
    writeFileSync(path, TSV);
    throwsData(() => readTsv(path, { columns: ["english"] }), /fake\.tsv\.gz: not a valid gzip file/);
  });
});

test("readTsv with onBadRow skip counts and reports the bad rows", () => {
  const bad = Buffer.concat([
    Buffer.from(`${TSV}only two\tfields\n`), // line 4
    Buffer.from([0x61, 0x09, 0xff, 0x09, 0x62, 0x0a]), // line 5: invalid UTF-8
    Buffer.from("Gen 1:4\tAnd God saw\tY vió Dios\nGen 1:5\t\tx\n"), // line 6 good, line 7 empty cell
  ]);
  const t = readTsv(fixture("skip.tsv.gz", bad), { columns: ["english", "spanish"], onBadRow: "skip" });
  assert.deepEqual(t.rows.map((r) => r[0]), ["In the beginning", "The earth", "And God saw"]);
  assert.deepEqual(t.lineNumbers, [2, 3, 6]);
  assert.equal(t.skipped, 3);
  assert.deepEqual(t.badRows.map((b) => b.line), [4, 5, 7]);
  assert.match(t.badRows[1].reason, /invalid UTF-8/);
  // all rows bad: still an error
  throwsData(() => readTsv(fixture("allbad.tsv", "a\tb\nx\n"), { columns: ["a"], onBadRow: "skip" }), /no usable rows, all 1 are bad \(first at line 2/);
});

test("readTsv reads the bundled test split", () => {
  const t = readTsv(fileURLToPath(new URL("../../../data/bible/web-sparv.test.tsv.gz", import.meta.url)), { columns: ["english", "spanish"] });
  assert.equal(t.rows.length, 883);
  assert.equal(t.skipped, 0);
  assert.ok(t.rows.every((r) => r.length === 2 && r[0].length > 0 && r[1].length > 0));
});

test("readLines reads text, one example a line, with the same checks", () => {
  const path = fixture("lm.txt.gz", "In the beginning.\nThe earth was formless.\n");
  assert.deepEqual(readLines(path).lines, ["In the beginning.", "The earth was formless."]);
  throwsData(() => readLines(fixture("lm-blank.txt", "a\n\nb\n")), /lm-blank\.txt:2: blank line/);
  throwsData(() => readLines(fixture("lm-utf8.txt", Buffer.from([0x61, 0x0a, 0x62, 0xe2, 0x82, 0x0a]))), /lm-utf8\.txt:2: invalid UTF-8/);
  throwsData(() => readLines(fixture("lm-empty.txt", "")), /lm-empty\.txt: file is empty/);
  throwsData(() => readLines(join(dir, "missing.txt")), /missing\.txt: no such file/);
  const skipped = readLines(fixture("lm-skip.txt", "a\n \nb\n"), { onBadLine: "skip" });
  assert.deepEqual(skipped.lines, ["a", "b"]);
  assert.deepEqual(skipped.lineNumbers, [1, 3]);
  assert.deepEqual(skipped.badLines, [{ line: 2, reason: "blank line (expected text)" }]);
});
