import assert from "node:assert/strict";
import { test } from "node:test";
import { lossCurveSvg } from "../../src/inspect/loss-curve.js";

test("lossCurveSvg escapes its title, labels and colours as every other figure does", () => {
  const svg = lossCurveSvg([{ label: `valid <"best"> \u0001`, color: `red" onload="x`, points: [[1, 2], [2, 1]] }], "run & 'co' <1>");
  assert.ok(svg.includes(">run &amp; &apos;co&apos; &lt;1&gt;</text>"), "title");
  assert.ok(svg.includes(">valid &lt;&quot;best&quot;&gt; \uFFFD</text>"), "label: markup, and a control character XML forbids");
  assert.ok(svg.includes(`fill="red&quot; onload=&quot;x"`) && !svg.includes("onload=\"x"), "colour stays inside its attribute");
});
