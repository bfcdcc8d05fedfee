import { test } from "node:test";
import assert from "node:assert/strict";
import { OptionError } from "../../src/errors.js";
import { explainSeq2Seq, explainSteps, formatNumber, predictionAtTemperature } from "../../src/inspect/index.js";
import {
  TOY_PAIRS, toyConfig, toySource, toySourceLabel, toyTargetLabel, toyTranslate, trainToy,
} from "../../src/inspect/toy.js";

const trained = trainToy({ seed: 1 });

test("toy: as small as the notes' example, word-level vocabularies", () => {
  const c = toyConfig();
  assert.deepEqual([c.d_model, c.num_heads, c.num_encoder_layers, c.num_decoder_layers], [2, 1, 1, 1]);
  assert.ok(c.d_ff <= 8);
  assert.deepEqual(toySource("let's go").map(toySourceLabel), ["let's", "go", "<EOS>"]);
  assert.deepEqual([3, 4, 5].map(toyTargetLabel), ["ir", "vamos", "y"]);
  assert.throws(() => toySource("let's run"), (e: Error) => e instanceof OptionError && /“run” is not in the source vocabulary \(let's, to, go\)/.test(e.message));
  assert.throws(() => toySource("  "), /the source is empty/);
  assert.throws(() => trainToy({ steps: 0 }), /steps must be an integer ≥ 1, got 0/);
});

test("toy: after training with seed 1, greedy decoding of “let's go” gives “vamos <EOS>”, and every pair its translation", () => {
  assert.deepEqual(toyTranslate(trained.model, "let's go"), ["vamos", "<EOS>"]);
  for (const [en, es] of TOY_PAIRS) assert.deepEqual(toyTranslate(trained.model, en), [...es.split(" "), "<EOS>"], en);
  const { losses } = trained;
  assert.ok(losses[0] > 1 && losses.at(-1)! < 0.05, `loss ${losses[0]} → ${losses.at(-1)}`);
  // the same seed trains the same model
  const again = trainToy({ seed: 1, steps: 50 });
  assert.deepEqual(again.losses, trainToy({ seed: 1, steps: 50 }).losses);
});

/** Σ a_j b_j in float64. */
function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, j) => s + x * b[j], 0);
}

test("explain: the focus head's W_Q rows are the model's in_proj_weight rows, and q = x · W_Q row + b_Q", () => {
  const { model } = trained;
  const e = explainSeq2Seq(model, toySource("let's go"), { token: 1, sourceLabel: toySourceLabel, targetLabel: toyTargetLabel });
  const attn = model.transformer.encoder.layers.items[0].selfAttn;
  const d = 2;
  const w = attn.inProjWeight.data, b = attn.inProjBias.data;
  assert.deepEqual(e.focusWeights.wQ, [Array.from(w.subarray(0, d)), Array.from(w.subarray(d, 2 * d))]);
  assert.deepEqual(e.focusWeights.wK[0], Array.from(w.subarray(2 * d, 3 * d)));
  assert.deepEqual(e.focusWeights.bV, Array.from(b.subarray(2 * d, 3 * d)));
  const x = e.encoder.layers[0].input[1];
  const q = e.encoder.layers[0].selfAttention.heads[0].q[1];
  e.focusWeights.wQ.forEach((row, j) => assert.ok(Math.abs(q[j] - (dot(x, row) + e.focusWeights.bQ[j])) < 1e-5, `q[${j}]`));
  // the prediction at the end says what greedy decoding says
  assert.equal(e.steps[0].prediction.chosen.token, "vamos");
  assert.equal(e.steps[1].prediction.chosen.token, "<EOS>");
});

test("predictionAtTemperature: softmax(logits / T) over the whole row, the same tokens and choice", () => {
  const e = explainSeq2Seq(trained.model, toySource("to go"), { topN: 6 });
  const logits = e.steps[0].logits[0];
  const p = e.steps[0].prediction;
  for (const T of [0.25, 1, 3]) {
    const q = predictionAtTemperature(p, logits, T);
    const z = logits.reduce((s, x) => s + Math.exp(x / T), 0); // by definition, without the max shift
    q.top.forEach((t, i) => {
      assert.equal(t.id, p.top[i].id);
      assert.ok(Math.abs(t.probAtTemperature - Math.exp(logits[t.id] / T) / z) < 1e-12, `T ${T}, ${t.token}`);
    });
    assert.deepEqual(q.chosen, p.chosen);
    assert.equal(q.temperature, T);
  }
  assert.deepEqual(predictionAtTemperature(p, logits, 1).top.map((t) => t.probAtTemperature), p.top.map((t) => t.prob));
  assert.throws(() => predictionAtTemperature(p, logits, 0), /temperature must be a number > 0, got 0/);
});

test("walk steps: rows carry data-keys with the record's numbers as shown", () => {
  const e = explainSeq2Seq(trained.model, toySource("let's go"), { token: 1 });
  const steps = explainSteps(e);
  const body = (id: string) => steps.find((s) => s.id === id)!.body;
  const shown = (html: string, key: string) => {
    const row = new RegExp(`<tr[^>]* data-key="${key.replace(/\./g, "\\.")}"[^>]*>(.*?)</tr>`).exec(html);
    assert.ok(row, `no row ${key}`);
    return [...row[1].matchAll(/<td class="num[^"]*" title="[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
  };
  const head = e.encoder.layers[0].selfAttention.heads[0];
  assert.deepEqual(shown(body("qkv"), "q"), head.q[1].map(formatNumber));
  assert.deepEqual(shown(body("qkv"), "wq.1"), e.focusWeights.wQ[1].map(formatNumber));
  assert.deepEqual(shown(body("softmax"), "weights"), head.weights[1].map(formatNumber));
  assert.deepEqual(shown(body("positions"), "sum"), e.encoder.embedding.sum[1].map(formatNumber));
  assert.match(body("feed-forward"), new RegExp(`data-key="zeros" data-value="${e.encoder.layers[0].feedForward.zeros[1]}"`));
});
