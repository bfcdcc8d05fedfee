import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ortBeamSeq2Seq } from "../../src/export/ort-beam.js";
import { type GenerationConfig, type Hypothesis, generate } from "../../src/generate/index.js";
import type { Seq2Seq, Seq2SeqConfig } from "../../src/models/index.js";
import { loadForInference } from "../../src/run/index.js";
import { VARIANTS, tinySeq2Seq } from "../generate/models.js";
import { exported, ort, seq2seqSessions } from "./helpers.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

async function sessions(dir: string) {
  return seq2seqSessions(dir);
}

/** The ids and finish of each hypothesis; the scores only to 1e-4 (ORT's sums round differently from ours). */
function assertSameHypotheses(theirs: Hypothesis[][], ours: Hypothesis[][], what: string): void {
  const ids = (r: Hypothesis[][]) => r.map((hs) => hs.map((h) => ({ tokens: h.tokens, finish: h.finish })));
  assert.deepEqual(ids(theirs), ids(ours), what);
  theirs.forEach((hs, i) => hs.forEach((h, j) => assert.ok(Math.abs(h.score - ours[i][j].score) < 1e-4, `${what}: input ${i} hypothesis ${j} score ${h.score} vs ${ours[i][j].score}`)));
}

async function compare(model: Seq2Seq, sources: number[][], configs: GenerationConfig[]): Promise<Hypothesis[][][]> {
  const s = await sessions(exported(model));
  const out: Hypothesis[][][] = [];
  for (const c of configs) {
    const ours = generate(model, sources, { ...c, strategy: "beam" }).results;
    assertSameHypotheses(await ortBeamSeq2Seq(ort, s, model.config as Seq2SeqConfig, sources, c), ours, JSON.stringify(c));
    out.push(ours);
  }
  return out;
}

const SOURCES = [[3, 4, 5, 6, 7, 8, 2], [9, 10, 2], [5, 5, 6, 2, 3], [4], [6, 7, 8, 9, 10, 3, 4, 5]];
const CONFIGS: GenerationConfig[] = [
  { numBeams: 4 },
  { numBeams: 3, numReturnSequences: 3, maxNewTokens: 5 },
  { numBeams: 4, beamConvention: "huggingface", numReturnSequences: 2 },
  { numBeams: 2, repetitionPenalty: 1.3, lengthPenalty: 1 },
];

for (const [i, v] of VARIANTS.entries()) {
  test(`ortBeamSeq2Seq ${v.name}: beam search through ONNX Runtime's KV cache gives our hypotheses (batched, both conventions)`, async () => {
    await compare(tinySeq2Seq(v, 21 + i), SOURCES, CONFIGS);
  });
}

test("ortBeamSeq2Seq: beams that reach max_len stop there, as in the library", async () => {
  const model = tinySeq2Seq(VARIANTS[3], 3, { max_len: 6 });
  model.generator.bias!.data[model.config.eos_id] -= 3; // eos rarer: most beams run into max_len, some still end
  const [ours] = await compare(model, [[3, 4, 5], [6, 2], [7, 8, 9, 10]], [{ numBeams: 4, numReturnSequences: 4 }]);
  assert.ok(ours.flat().some((h) => h.finish === "max_len"), JSON.stringify(ours));
});

test("ortBeamSeq2Seq: a model whose beams feed pad back decodes through ONNX Runtime as ours (the driver leaves the cache then)", async () => {
  const model = tinySeq2Seq(VARIANTS[0], 2);
  model.generator.bias!.data[model.config.pad_id] += 1;
  const [ours] = await compare(model, SOURCES, [{ numBeams: 3, numReturnSequences: 3 }]);
  assert.ok(ours.flat().some((h) => h.tokens.slice(0, -1).includes(0)), "the case is there: pad fed back mid-hypothesis");
});

test("ortBeamSeq2Seq: the tiny English→Spanish checkpoint translates test verses to our ids, batched and one by one", async () => {
  const { model, srcTokenizer } = loadForInference(path.join(ROOT, "test/fixtures/tiny-en-es"));
  const texts = ["In the beginning God created the heavens and the earth.", "Jesus wept.", "Love is patient and is kind.", "I am the way, the truth, and the life."];
  const sources = texts.map((t) => srcTokenizer.encode(t));
  const s = await sessions(exported(model as Seq2Seq));
  const config = model.config as Seq2SeqConfig;
  const ours = generate(model as Seq2Seq, sources, { strategy: "beam", numBeams: 4 }).results;
  assertSameHypotheses(await ortBeamSeq2Seq(ort, s, config, sources, { numBeams: 4 }), ours, "batched");
  for (const [i, src] of sources.entries()) assertSameHypotheses(await ortBeamSeq2Seq(ort, s, config, [src], { numBeams: 4 }), [ours[i]], `verse ${i} alone`);
  const greedy = generate(model as Seq2Seq, sources, { strategy: "greedy" }).results;
  assert.ok(ours.some((hs, i) => hs[0].tokens.join() !== greedy[i][0].tokens.join()), "beam 4 chooses otherwise than greedy somewhere (the beams matter)");
});

test("ortBeamSeq2Seq: refuses another strategy in one line", async () => {
  const model = tinySeq2Seq(VARIANTS[0], 1);
  const s = await sessions(exported(model));
  await assert.rejects(ortBeamSeq2Seq(ort, s, model.config, [[3, 4]], { strategy: "greedy" }), /ortBeamSeq2Seq runs beam search, got strategy "greedy"/);
});
