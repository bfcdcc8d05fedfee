import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { formatResult, runCase } from "../../src/conformance/run-case.js";

/** The cases PyTorch's nn.Transformer computed: shared/reference/cases, and the tied ones of scripts/pytorch/make_fixtures.py. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");

for (const name of fs.readdirSync(FIXTURES).sort()) {
  test(`PyTorch reference case ${name}`, () => {
    const r = runCase(path.join(FIXTURES, name));
    assert.ok(r.ok, formatResult(r));
    assert.ok(r.checks.length >= 1);
  });
}

test("a perturbed weight makes the forward/backward case fail", () => {
  // copy a case, nudge one weight, and check the runner notices: the comparison is not vacuous
  const tmp = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "case-"));
  const src = path.join(FIXTURES, "seq2seq_postln_relu_sinusoidal");
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(tmp, f));
  const bytes = fs.readFileSync(path.join(tmp, "model.safetensors"));
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const at = 8 + headerLen + 4 * 5; // the sixth float of the first tensor
  bytes.writeFloatLE(bytes.readFloatLE(at) + 0.01, at);
  fs.writeFileSync(path.join(tmp, "model.safetensors"), bytes);
  const r = runCase(tmp);
  assert.equal(r.ok, false);
  assert.match(formatResult(r), /^FAIL/);
  fs.rmSync(tmp, { recursive: true });
});
