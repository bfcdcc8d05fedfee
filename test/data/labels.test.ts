import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/errors.js";
import { buildLabelMap, labelIds } from "../../src/data/index.js";

test("buildLabelMap numbers the distinct labels in sorted order", () => {
  const map = buildLabelMap(["pos", "neg", "pos", "neutral"]);
  assert.deepEqual(map.labels, ["neg", "neutral", "pos"]);
  assert.equal(map.ids.get("pos"), 2);
  assert.deepEqual([...labelIds(["pos", "neg"], map)], [2, 0]);
  // code point order, as Python's sorted(): U+1F600 sorts after U+FF5E, unlike UTF-16 code unit order
  assert.deepEqual(buildLabelMap(["😀", "～", "B", "a"]).labels, ["B", "a", "～", "😀"]);
});

test("labelIds names the file and line of an unknown label", () => {
  const map = buildLabelMap(["neg", "pos"]);
  assert.throws(() => labelIds(["pos", "meh"], map, { source: "valid.tsv", lineNumbers: [2, 3] }),
    (e: Error) => e instanceof DataError && e.message === 'valid.tsv:3: unknown label "meh" (expected one of: neg, pos)');
});
