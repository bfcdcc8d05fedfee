import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "../../src/generate/index.js";
import {
  attentionSvg, escapeXml, headWeights, inspectDecoderOnly, inspectSeq2Seq, positionsSvg, tokenLabel, type Inspection,
} from "../../src/inspect/index.js";
import { type Seq2Seq, tokenBatch } from "../../src/models/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { sinusoidalPositions } from "../../src/nn/index.js";
import { noGrad } from "../../src/tensor/index.js";
import { VARIANTS, byteTokenizer, tinyDecoderOnly } from "../generate/models.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const reverser = loadCheckpoint(path.resolve(HERE, "../../../test/fixtures/reference/seq2seq_greedy")).model as Seq2Seq;

/** Labels with characters XML must escape, so the SVG tests see escaping at work. */
const SRC_NAMES = ["<pad>", "<s>", "</s>", "a&b", "\"q\"", "it's", "x<y", "é", "日本", "tab\there", "z"];
const TGT_NAMES = [...SRC_NAMES, "w>", "😀"];

function reverserInspection(temperature = 1): { ins: Inspection; src: number[]; out: number[] } {
  const src = [7, 4, 6, 5, 10];
  const out = generate(reverser, [src]).results[0][0].tokens; // ends with eos
  const ins = inspectSeq2Seq(reverser, src, [1, ...out.slice(0, -1)], {
    temperature, topN: 3, sourceLabel: (id) => SRC_NAMES[id], targetLabel: (id) => TGT_NAMES[id],
  });
  return { ins, src, out };
}

test("seq2seq inspection: every layer and head, rows sum to 1, causal decoder, next tokens are the model's", () => {
  const { ins, src, out } = reverserInspection();
  const S = src.length;
  const T = out.length; // bos + all outputs but eos
  assert.deepEqual(ins.attention.map((a) => `${a.kind}${a.layer}`), ["encoder0", "encoder1", "decoder0", "cross0", "decoder1", "cross1"]);
  for (const a of ins.attention) {
    assert.equal(a.heads, 4);
    assert.deepEqual([a.queries, a.keys], a.kind === "encoder" ? [S, S] : a.kind === "cross" ? [T, S] : [T, T]);
    assert.equal(a.weights.length, 4 * a.queries * a.keys);
    assert.equal(a.weights.buffer.byteLength, a.weights.byteLength, "weights of their own (posting them copies no more)");
    for (let h = 0; h < 4; h++) {
      headWeights(a, h).forEach((row, t) => {
        assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5, `${a.kind} layer ${a.layer} head ${h} row ${t}`);
        if (a.kind === "decoder") row.forEach((w, s) => s > t && assert.equal(w, 0, "a query sees no later position"));
      });
    }
  }
  assert.deepEqual(ins.sourceTokens, src.map((id) => SRC_NAMES[id]));
  assert.deepEqual(ins.targetTokens, [1, ...out.slice(0, -1)].map((id) => TGT_NAMES[id]));
  // the top next token at each position is what greedy search chose there
  assert.deepEqual(ins.next.map((n) => n[0].id), out);
  // probabilities are softmax(logits / T) of a plain forward pass
  const logits = noGrad(() => reverser.forward(tokenBatch([src]), tokenBatch([ins.targetIds])).data);
  const V = reverser.config.tgt_vocab_size;
  for (const temperature of [1, 2.5]) {
    const { ins: hot } = reverserInspection(temperature);
    hot.next.forEach((cands, t) => {
      const row = Array.from(logits.subarray(t * V, (t + 1) * V), (z) => z / temperature);
      const max = Math.max(...row);
      const z = row.reduce((s, x) => s + Math.exp(x - max), 0);
      assert.equal(cands.length, 3);
      for (const c of cands) assert.ok(Math.abs(c.prob - Math.exp(row[c.id] - max) / z) < 1e-5);
      assert.ok(cands[0].prob >= cands[1].prob && cands[1].prob >= cands[2].prob);
      assert.equal(cands[0].token, TGT_NAMES[cands[0].id]);
    });
  }
  assert.ok(reverserInspection(2.5).ins.next[0][0].prob < ins.next[0][0].prob, "a higher temperature flattens");
  assert.throws(() => inspectSeq2Seq(reverser, src, [1], { temperature: 0 }), /temperature must be a number > 0/);
  assert.throws(() => inspectSeq2Seq(reverser, src, [1], { topN: 0 }), /topN must be an integer ≥ 1/);
});

test("the reverser's cross-attention (mean of heads, last layer) looks at the source token it is copying", () => {
  // an independent sanity check of what the weights mean: output t of a reversed copy is source S-1-t
  const { ins, src } = reverserInspection();
  const cross = ins.attention.filter((a) => a.kind === "cross").at(-1)!;
  let hits = 0;
  for (let t = 0; t < src.length; t++) {
    const row = Array.from({ length: src.length }, (_, s) => {
      let sum = 0;
      for (let h = 0; h < cross.heads; h++) sum += headWeights(cross, h)[t][s];
      return sum;
    });
    const copied = src[src.length - 1 - t];
    // the position attended most holds the copied id (the source may repeat an id)
    if (src[row.indexOf(Math.max(...row))] === copied) hits++;
  }
  assert.ok(hits >= src.length - 1, `${hits} of ${src.length} output positions attend to the token they copy`);
});

test("decoder_only inspection: one causal map per layer", () => {
  const model = tinyDecoderOnly(VARIANTS[1], 3);
  const ins = inspectDecoderOnly(model, [1, 5, 6, 7], { topN: 2 });
  assert.deepEqual(ins.attention.map((a) => [a.kind, a.layer, a.queries, a.keys]), [["self", 0, 4, 4], ["self", 1, 4, 4]]);
  for (const a of ins.attention) {
    for (let h = 0; h < a.heads; h++) headWeights(a, h).forEach((row, t) => row.forEach((w, s) => s > t && assert.equal(w, 0)));
  }
  assert.equal(ins.next.length, 4);
  assert.equal(ins.sourceTokens.length, 0);
});

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** The text of every <text class="cls"> element, unescaped. */
function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => unescapeXml(m[1]));
}

/**
 * A DOM-free well-formedness check: tags nest and close, attributes are quoted, and every & starts an entity.
 */
function assertWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < body.length && (m = tag.exec(body))) {
    at = tag.lastIndex;
    if (m[5] !== undefined) {
      assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(m[5]), `bare & in text ${JSON.stringify(m[5].slice(0, 40))}`);
      continue;
    }
    assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(m[3]), `bare & in attributes of <${m[2]}>`);
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else if (!m[4]) stack.push(m[2]);
  }
  assert.equal(at, body.length, `unparsable SVG at ${JSON.stringify(body.slice(at, at + 60))}`);
  assert.deepEqual(stack, [], "unclosed elements");
}

test("attention SVG: the tokens on both axes (escaped), one cell per weight, a legend and a title", () => {
  const { ins } = reverserInspection();
  const svg = attentionSvg(ins);
  assertWellFormed(svg);
  const heads = 4;
  const maps = heads + 1; // the heads of the last cross-attention layer and their mean
  const rows = texts(svg, "row-label");
  const cols = texts(svg, "col-label");
  assert.deepEqual(rows, Array.from({ length: maps }, () => ins.targetTokens).flat());
  assert.deepEqual(cols, Array.from({ length: maps }, () => ins.sourceTokens).flat());
  assert.ok(rows.includes("<s>") && cols.includes("x<y") && cols.includes("\"q\"") && cols.includes("it's"));
  assert.ok(svg.includes(">x&lt;y</text>") && svg.includes(">&lt;s&gt;</text>"), "labels are escaped in the file");
  assert.equal((svg.match(/<rect class="cell"/g) ?? []).length, maps * ins.targetIds.length * ins.sourceIds.length);
  assert.equal(texts(svg, "title").length, maps);
  assert.match(texts(svg, "title")[0], /cross-attention, layer 2, head 1/);
  assert.equal((svg.match(/<g class="legend">/g) ?? []).length, maps);

  const all = attentionSvg(ins, { allLayers: true });
  assertWellFormed(all);
  const S = ins.sourceIds.length, T = ins.targetIds.length;
  assert.equal((all.match(/<rect class="cell"/g) ?? []).length, 2 * heads * (S * S + T * T + T * S));
  assert.equal(texts(all, "title").filter((t) => t.startsWith("encoder self-attention")).length, 2 * heads);
  assert.equal(texts(all, "title").filter((t) => t.startsWith("decoder masked self-attention")).length, 2 * heads);
});

test("escapeXml: markup characters and characters XML forbids", () => {
  assert.equal(escapeXml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  assert.equal(escapeXml("a\u0000b\u0008\t\n"), "a\uFFFDb\uFFFD\t\n");
  assert.equal(escapeXml("\uD800x😀"), "\uFFFDx😀");
});

test("positions SVG: length × d_model cells coloured by the sinusoidal table, labelled axes", () => {
  const dModel = 16, length = 10;
  const svg = positionsSvg(dModel, length);
  assertWellFormed(svg);
  const cells = [...svg.matchAll(/<rect class="cell"[^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  assert.equal(cells.length, dModel * length);
  const pe = sinusoidalPositions(length, dModel);
  // sin(0) = 0 is the neutral middle of the diverging scale, cos(0) = 1 its red end, values near -1 its blue end
  assert.equal(cells[0], "#f7f7f7");
  assert.equal(cells[1], "#67001f");
  const minAt = pe.indexOf(Math.min(...pe));
  assert.ok(pe[minAt] < -0.95);
  const blue = cells[minAt];
  assert.ok(parseInt(blue.slice(5, 7), 16) > parseInt(blue.slice(1, 3), 16), `${blue} is blue`);
  assert.deepEqual(texts(svg, "axis-name"), ["dimension", "position"]);
  assert.deepEqual(texts(svg, "row-label"), Array.from({ length }, (_, i) => String(i)));
  assert.ok(svg.includes('<g class="legend">'));
});

test("token labels from a tokenizer: text with a visible leading space; partial characters fall back", () => {
  const label = tokenLabel({ ...byteTokenizer, idToToken: (id: number) => `<byte ${id - 3}>` });
  assert.equal(label(3 + 0x61), "a");
  assert.equal(label(3 + 0x20), "<byte 32>"); // only a space
  assert.equal(label(3 + 0xc3), "<byte 195>"); // half of é
  assert.equal(label(2), "<eos>");
  assert.equal(label(3 + 0x0f), "<byte 15>"); // a control character
  const bare = tokenLabel(byteTokenizer);
  assert.equal(bare(3 + 0x0f), "\\x0f");
  assert.equal(bare(3 + 0x20), "▁");
});

test("inspection and drawing code stay browser-safe: no Node built-ins or packages in their import graph", () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(file, "utf8");
    for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']/g)) {
      const spec = m[1];
      assert.ok(spec.startsWith("."), `${path.relative(process.cwd(), file)} imports "${spec}"`);
      visit(path.resolve(path.dirname(file), spec));
    }
  };
  const dist = path.resolve(HERE, "../../src");
  visit(path.join(dist, "inspect/index.js"));
  visit(path.join(dist, "generate/index.js"));
  assert.ok(seen.size > 10);
});
