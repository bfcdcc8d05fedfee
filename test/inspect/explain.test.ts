import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { OptionError } from "../../src/errors.js";
import { generate } from "../../src/generate/index.js";
import {
  type Explanation, exactNumber, explainSeq2Seq, explanationHtml, explanationJson, headWeights, inspectSeq2Seq,
} from "../../src/inspect/index.js";
import { type Seq2Seq, tokenBatch } from "../../src/models/index.js";
import { sinusoidalPositions } from "../../src/nn/index.js";
import { shippedModelDir } from "../../src/run/index.js";
import { noGrad } from "../../src/tensor/index.js";
import { writeCheckpoint } from "../generate/checkpoints.js";
import { VARIANTS, tinySeq2Seq } from "../generate/models.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "explain-"));
const SRC = [5, 6, 7, 8, 9, 4];

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** Σ a_j b_j in float64. */
function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** Row r of a (rows, cols) weight matrix. */
function row(w: Float32Array, cols: number, r: number): Float32Array {
  return w.subarray(r * cols, (r + 1) * cols);
}

function models(): { name: string; model: Seq2Seq }[] {
  return VARIANTS.map((v, i) => ({ name: v.name, model: tinySeq2Seq(v, 3 + i) }));
}

test("explain: the recorded logits and encoder output are the ordinary forward pass's, exactly; step 2 is greedy's next position", () => {
  for (const { name, model } of models()) {
    for (const prefix of [[1], [1, 4, 5]]) {
      const e = explainSeq2Seq(model, SRC, { prefix });
      const V = model.config.tgt_vocab_size;
      const forward = noGrad(() => model.forward(tokenBatch([SRC]), tokenBatch([prefix])).data);
      assert.deepEqual(e.steps[0].logits.flat(), Array.from(forward), `${name}: step 1 logits`);
      assert.equal(e.steps[0].logits.length, prefix.length);
      const memory = noGrad(() => model.encode(tokenBatch([SRC])).memory.data);
      assert.deepEqual(e.encoder.output.flat(), Array.from(memory), `${name}: encoder output`);
      // step 2 (one position over the KV cache) against the whole sequence run without one
      const chosen = e.steps[0].prediction.chosen.id;
      const longer = [...prefix, chosen];
      const again = noGrad(() => model.forward(tokenBatch([SRC]), tokenBatch([longer])).data);
      assert.deepEqual(e.steps[1].logits[0], Array.from(again.subarray(prefix.length * V)), `${name}: step 2 logits`);
      assert.equal(e.steps[1].offset, prefix.length);
      assert.deepEqual(e.steps[1].input.ids, [chosen]);
    }
  }
});

test("explain: attention weights are the attention inspect API's, every layer and head", () => {
  for (const { name, model } of models()) {
    const prefix = [1, 4, 5];
    const e = explainSeq2Seq(model, SRC, { prefix });
    const ins = inspectSeq2Seq(model, SRC, prefix);
    for (const a of ins.attention) {
      const rec = a.kind === "encoder" ? e.encoder.layers[a.layer].selfAttention
        : a.kind === "decoder" ? e.steps[0].layers[a.layer].selfAttention : e.steps[0].layers[a.layer].crossAttention;
      assert.equal(rec.kind, a.kind);
      for (let h = 0; h < a.heads; h++) assert.deepEqual(rec.heads[h].weights, headWeights(a, h), `${name}: ${a.kind} ${a.layer} head ${h}`);
    }
  }
});

test("explain: embeddings, positions, Q, K, V and the scores by hand from the model's weights", () => {
  const model = tinySeq2Seq(VARIANTS[0], 7); // sinusoidal
  const c = model.config;
  const d = c.d_model, dK = d / c.num_heads;
  const e = explainSeq2Seq(model, SRC, { prefix: [1, 4, 5] });
  assert.deepEqual([e.config.dModel, e.config.numHeads, e.config.dK, e.config.dFF], [d, c.num_heads, dK, c.d_ff]);
  const emb = e.encoder.embedding;
  const pe = sinusoidalPositions(c.max_len, d);
  SRC.forEach((id, t) => {
    assert.deepEqual(emb.rows[t], Array.from(row(model.srcEmbed.weight.data, d, id)), "the table's row");
    assert.deepEqual(emb.positional[t], Array.from(row(pe, d, t)), "the sinusoid's row");
    for (let j = 0; j < d; j++) {
      close(emb.scaled[t][j], emb.rows[t][j] * Math.sqrt(d), 1e-6, "× √dModel");
      close(emb.sum[t][j], emb.scaled[t][j] + emb.positional[t][j], 1e-6, "+ PE");
    }
  });
  assert.equal(emb.scale, Math.sqrt(d));
  assert.deepEqual(e.encoder.layers[0].input, emb.sum);
  assert.deepEqual(e.encoder.layers[1].input, e.encoder.layers[0].output);

  /** q/k/v of head h by hand: x W_partᵀ + b_part, PyTorch's in_proj layout. */
  const project = (w: Float32Array, b: Float32Array, x: number[], part: number, h: number): number[] =>
    Array.from({ length: dK }, (_, j) => dot(x, row(w, d, part * d + h * dK + j)) + b[part * d + h * dK + j]);
  for (const [L, I, H] of [[0, 2, 1], [1, 5, 3]]) {
    const attn = model.transformer.encoder.layers.items[L].selfAttn;
    const rec = e.encoder.layers[L].selfAttention;
    const x = e.encoder.layers[L].input;
    const want = project(attn.inProjWeight.data, attn.inProjBias.data, x[I], 0, H);
    want.forEach((q, j) => close(rec.heads[H].q[I][j], q, 1e-5, `encoder ${L} q[${I}][${j}]`));
    project(attn.inProjWeight.data, attn.inProjBias.data, x[I], 1, H).forEach((k, j) => close(rec.heads[H].k[I][j], k, 1e-5, "k"));
    project(attn.inProjWeight.data, attn.inProjBias.data, x[I], 2, H).forEach((v, j) => close(rec.heads[H].v[I][j], v, 1e-5, "v"));
  }
  // cross-attention: queries from the decoder, keys and values from the encoder's last output
  const cross = model.transformer.decoder.layers.items[1].crossAttn;
  const cr = e.steps[0].layers[1].crossAttention;
  assert.equal(cr.keysFrom, "encoder output");
  e.encoder.output.forEach((m, s) => {
    project(cross.inProjWeight.data, cross.inProjBias.data, m, 1, 2).forEach((k, j) => close(cr.heads[2].k[s][j], k, 1e-5, `cross k[${s}]`));
  });
  project(cross.inProjWeight.data, cross.inProjBias.data, e.steps[0].layers[1].addNorm1.output[2], 0, 2)
    .forEach((q, j) => close(cr.heads[2].q[2][j], q, 1e-5, "cross q"));

  // scores = Q Kᵀ, scaled by 1/√dK (the one-query kernel's scores too: the decoder's first step)
  const one = explainSeq2Seq(model, SRC);
  for (const a of [e.encoder.layers[1].selfAttention, cr, e.steps[1].layers[0].selfAttention, one.steps[0].layers[0].crossAttention]) {
    assert.equal(a.scale, 1 / Math.sqrt(dK));
    for (const head of a.heads) {
      head.q.forEach((q, t) => head.k.forEach((k, s) => {
        close(head.scores[t][s], dot(q, k), 1e-5, `${a.kind} scores`);
        close(head.scaled[t][s], dot(q, k) / Math.sqrt(dK), 1e-5, `${a.kind} scaled`);
      }));
      // each head's output is Σ_s w_s v_s
      head.output.forEach((o, t) => o.forEach((x, j) => close(x, head.weights[t].reduce((sum, w, s) => sum + w * head.v[s][j], 0), 1e-5, "weights · V")));
    }
    assert.deepEqual(a.concat.map((r) => r.slice(0, dK)), a.heads[0].output, "head 0 is concat's first dK columns");
  }
});

test("explain: softmax rows sum to 1, the causal and padding masks give exactly 0 weights", () => {
  const model = tinySeq2Seq(VARIANTS[1], 4);
  const src = [5, 6, 0, 7, 8]; // a pad inside the source: the encoder masks it as a key
  const e = explainSeq2Seq(model, src, { prefix: [1, 4, 5, 6] });
  const checkRows = (a: Explanation["encoder"]["layers"][0]["selfAttention"], expectMasked: (t: number, s: number) => boolean) => {
    a.masked.forEach((r, t) => r.forEach((m, s) => assert.equal(m, expectMasked(t, s), `${a.kind} ${a.layer} mask (${t}, ${s})`)));
    for (const head of a.heads) {
      head.weights.forEach((w, t) => {
        close(w.reduce((x, y) => x + y, 0), 1, 1e-6, "a row sums to 1");
        w.forEach((x, s) => a.masked[t][s] ? assert.equal(x, 0) : assert.ok(x > 0));
        // softmax of the scaled scores over the keys it may see, by hand
        const z = head.scaled[t].map((x, s) => (a.masked[t][s] ? -Infinity : x));
        const max = Math.max(...z);
        const sum = z.reduce((acc, x) => acc + Math.exp(x - max), 0);
        w.forEach((x, s) => close(x, Math.exp(z[s] - max) / sum, 1e-6, "softmax"));
      });
    }
  };
  for (const l of e.encoder.layers) checkRows(l.selfAttention, (_, s) => src[s] === 0);
  for (const l of e.steps[0].layers) {
    checkRows(l.selfAttention, (t, s) => s > t);
    checkRows(l.crossAttention, (_, s) => src[s] === 0);
  }
  for (const l of e.steps[1].layers) checkRows(l.selfAttention, () => false); // one query after every cached key
});

test("explain: decoderStep t follows greedy's position t: bos and its first t tokens, −∞ (weight 0) exactly where s > t", () => {
  let followed = 0, causal = 0;
  for (const { name, model } of models()) {
    const c = model.config;
    const greedy = generate(model, [SRC], { strategy: "greedy" }).results[0][0].tokens;
    // the default and a position past the end follow the nearest position the translation has
    const near = explainSeq2Seq(model, SRC, { clampDecoderStep: true, numBeams: 0 });
    assert.equal(near.translation?.decoderStep, Math.min(2, greedy.length - 1), `${name}: the default position`);
    const last = explainSeq2Seq(model, SRC, { decoderStep: 99, clampDecoderStep: true, numBeams: 0 });
    assert.deepEqual(last.steps[0].input.ids, [c.bos_id, ...greedy.slice(0, -1)], `${name}: the last position`);
    assert.equal(last.steps[0].prediction.chosen.id, greedy[greedy.length - 1], `${name}: the last position predicts the last token`);
    assert.throws(() => explainSeq2Seq(model, SRC, { decoderStep: greedy.length }),
      (err: unknown) => err instanceof OptionError && err.key === "decoderStep" && new RegExp(`must be an integer in 0\\.\\.${greedy.length - 1} \\(the greedy translation is “`).test(err.message));
    if (greedy.length < 3) continue;
    followed++;
    const e = explainSeq2Seq(model, SRC, { decoderStep: 2, numBeams: 0 });
    const prefix = [c.bos_id, greedy[0], greedy[1]];
    assert.deepEqual(e.steps[0].input.ids, prefix, `${name}: the decoder's input`);
    // key s is hidden from query t when it comes later — or is a pad the random model chose (as a fed pad is masked)
    const hidden = (t: number) => (s: number) => s > t || prefix[s] === c.pad_id;
    if (!prefix.includes(c.pad_id)) causal++;
    assert.deepEqual(e.translation, { ids: greedy, tokens: greedy.map(String), decoderStep: 2 });
    // the whole prefix at once predicts what greedy chose one cached step at a time
    assert.equal(e.steps[0].prediction.chosen.id, greedy[2], `${name}: step 1 predicts greedy's third token`);
    if (greedy.length > 3) assert.equal(e.steps[1].prediction.chosen.id, greedy[3], `${name}: step 2 its fourth`);
    e.steps[0].layers.forEach((l, i) => {
      const a = l.selfAttention;
      assert.deepEqual([a.queries, a.keys], [3, 3]);
      assert.deepEqual(a.masked, [0, 1, 2].map((t) => [0, 1, 2].map(hidden(t))), `${name}: layer ${i} mask`);
      for (const h of a.heads) {
        h.weights.forEach((w, t) => w.forEach((x, s) => (hidden(t)(s) ? assert.equal(x, 0, `${name}: weight (${t}, ${s})`) : assert.ok(x > 0))));
        h.weights.forEach((w) => close(w.reduce((x, y) => x + y, 0), 1, 1e-6, "a row sums to 1"));
      }
      // the next step reads the 3 positions' keys and values from the cache and adds one
      const next = e.steps[1].layers[i].selfAttention;
      assert.deepEqual(next.cache, { reusedRows: 3, newRows: 1 });
      next.heads.forEach((h2, j) => assert.deepEqual(h2.k.slice(0, 3), a.heads[j].k, `${name}: layer ${i} head ${j}: cached keys`));
    });
    // the page's tables: −∞ before the softmax and 0 after, exactly where s > t
    const html = explanationHtml(e);
    const body = html.slice(html.indexOf('id="masked-self-attention"'), html.indexOf("</section>", html.indexOf('id="masked-self-attention"')));
    for (let t = 0; t < 3; t++) {
      for (const key of [`mask.${t}`, `masked-scores.${t}`]) {
        const tr = body.match(new RegExp(`<tr data-key="${key}">(.*?)</tr>`))?.[1] ?? assert.fail(`${key} missing`);
        const cells = [...tr.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
        assert.deepEqual(cells.map((x) => x === "−∞"), [0, 1, 2].map(hidden(t)), `${name}: ${key}`);
      }
    }
  }
  assert.ok(followed > 0 && causal > 0, "some model's greedy translation has 3 tokens, no pad among the first 2");
  const model = models()[0].model;
  assert.throws(() => explainSeq2Seq(model, SRC, { prefix: [1], decoderStep: 1 }), (err: unknown) => err instanceof OptionError && err.key === "decoderStep" && /both set the decoder's input/.test(err.message));
});

test("explain: LayerNorm mean and variance of its recorded input, by hand; Add & Norm and the feed-forward layer", () => {
  for (const { name, model } of models()) {
    const c = model.config;
    const e = explainSeq2Seq(model, SRC, { prefix: [1, 4] });
    const addNorms = [
      ...e.encoder.layers.flatMap((l) => [l.addNorm1, l.addNorm2]),
      ...e.steps.flatMap((s) => s.layers.flatMap((l) => [l.addNorm1, l.addNorm2, l.addNorm3])),
    ];
    const norms = [...addNorms.map((a) => a.norm), e.encoder.finalNorm, ...e.steps.map((s) => s.finalNorm)].filter((n) => n !== null);
    for (const n of norms) {
      n.input.forEach((x, t) => {
        const mean = x.reduce((a, b) => a + b, 0) / x.length;
        const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
        close(n.mean[t], mean, 1e-5, `${name}: mean`);
        close(n.variance[t], variance, 1e-4, `${name}: variance`);
      });
    }
    for (const a of addNorms) {
      // post-LN: LN(x + f(x)); pre-LN: x + f(LN(x))
      if (c.norm_first) {
        assert.deepEqual(a.norm.input, a.input);
        assert.deepEqual(a.output, a.sum);
      } else {
        assert.deepEqual(a.norm.input, a.sum);
        assert.deepEqual(a.output, a.norm.output);
      }
    }
    // the output by hand from the LayerNorm's weights, for one norm
    const ln = model.transformer.encoder.layers.items[0].norm1;
    const n = e.encoder.layers[0].addNorm1.norm;
    n.input[1].forEach((x, j) => close(n.output[1][j], (x - n.mean[1]) / Math.sqrt(n.variance[1] + c.layer_norm_eps) * ln.weight.data[j] + ln.bias.data[j], 1e-4, "LN output"));
    // encoder layer 0's first sum: its input plus W_O's output (post-LN and pre-LN alike)
    const l0 = e.encoder.layers[0];
    l0.addNorm1.sum.forEach((s, t) => s.forEach((x, j) => close(x, l0.addNorm1.input[t][j] + l0.selfAttention.output[t][j], 1e-5, "residual sum")));
    const ff = l0.feedForward;
    ff.hidden.forEach((h, t) => {
      if (c.activation === "relu") assert.deepEqual(ff.activated[t], h.map((x) => Math.max(0, x)));
      assert.equal(ff.zeros[t], ff.activated[t].filter((x) => x === 0).length);
    });
  }
});

test("explain: the chosen tokens are greedy decoding's; step 2's cache rows are step 1's keys and values", () => {
  for (const { name, model } of models()) {
    const e = explainSeq2Seq(model, SRC);
    const greedy = generate(model, [SRC], { maxNewTokens: 2 }).results[0][0].tokens;
    assert.equal(e.steps[0].prediction.chosen.id, greedy[0], `${name}: first token`);
    if (greedy.length > 1) assert.equal(e.steps[1].prediction.chosen.id, greedy[1], `${name}: second token`);
    const S = SRC.length;
    e.steps[0].layers.forEach((l, i) => {
      const next = e.steps[1].layers[i];
      assert.deepEqual(l.selfAttention.cache, { reusedRows: 0, newRows: 1 });
      assert.deepEqual(l.crossAttention.cache, { reusedRows: 0, newRows: S });
      assert.deepEqual(next.selfAttention.cache, { reusedRows: 1, newRows: 1 });
      assert.deepEqual(next.crossAttention.cache, { reusedRows: S, newRows: 0 });
      l.selfAttention.heads.forEach((h, j) => {
        const h2 = next.selfAttention.heads[j];
        assert.equal(h2.k.length, 2);
        assert.deepEqual(h2.k[0], h.k[0], `${name}: layer ${i} head ${j}: the cached key row`);
        assert.deepEqual(h2.v[0], h.v[0]);
        assert.deepEqual(next.crossAttention.heads[j].k, l.crossAttention.heads[j].k, "cross-attention's keys are reused");
        assert.deepEqual(next.crossAttention.heads[j].v, l.crossAttention.heads[j].v);
      });
    });
    // the new row is made from step 2's own input (pre-LN: its LayerNorm)
    const attn = model.transformer.decoder.layers.items[0].selfAttn;
    const l = e.steps[1].layers[0];
    const x = model.config.norm_first ? l.addNorm1.norm.output[0] : l.input[0];
    const d = model.config.d_model;
    for (let j = 0; j < 4; j++) close(e.steps[1].layers[0].selfAttention.heads[0].k[1][j], dot(x, row(attn.inProjWeight.data, d, d + j)) + attn.inProjBias.data[d + j], 1e-5, `${name}: new key`);
  }
});

test("explain: softmax at a temperature from the recorded logits; the beam-search aside is beam search's", () => {
  const model = tinySeq2Seq(VARIANTS[2], 9);
  const e = explainSeq2Seq(model, SRC, { temperature: 0.5, topN: 4, numBeams: 3, beamSteps: 3 });
  const pr = e.steps[0].prediction;
  const z = e.steps[0].logits[0];
  const max = Math.max(...z);
  const sum1 = z.reduce((a, x) => a + Math.exp(x - max), 0);
  const sumT = z.reduce((a, x) => a + Math.exp((x - max) / 0.5), 0);
  assert.equal(pr.top.length, 4);
  for (const t of pr.top) {
    assert.equal(t.logit, z[t.id]);
    close(t.prob, Math.exp(z[t.id] - max) / sum1, 1e-9, "p");
    close(t.probAtTemperature, Math.exp((z[t.id] - max) / 0.5) / sumT, 1e-9, "p at τ");
  }
  assert.ok(pr.top[0].probAtTemperature > pr.top[0].prob, "τ < 1 sharpens");
  assert.equal(pr.chosen.id, pr.top[0].id);

  const b = e.beam!;
  const beam = generate(model, [SRC], { strategy: "beam", numBeams: 3, numReturnSequences: 3, maxNewTokens: 3 }).results[0];
  assert.deepEqual(b.finished.map((h) => [h.ids, h.logProb, h.score, h.finish]), beam.map((h) => [h.tokens, h.logProb, h.score, h.finish]));
  assert.equal(b.candidates.length, 6);
  assert.deepEqual(b.live[0].map((h) => h.ids), b.candidates.filter((h) => h.kept).map((h) => h.ids));
  b.live[0].forEach((h) => assert.equal(h.logProb, b.candidates.find((c) => c.ids[0] === h.ids[0])!.logProb));
  // one beam keeps greedy's first token
  const narrow = explainSeq2Seq(model, SRC, { numBeams: 1, beamSteps: 2 });
  if (narrow.steps[0].prediction.chosen.id !== model.config.eos_id) assert.deepEqual(narrow.beam!.live[0][0].ids, [narrow.steps[0].prediction.chosen.id]);
  assert.equal(explainSeq2Seq(model, SRC, { numBeams: 0 }).beam, null);
});

test("explain: JSON gives every float32 back; bad options are OptionErrors naming the option and the range", () => {
  const model = tinySeq2Seq(VARIANTS[0], 3);
  const e = explainSeq2Seq(model, SRC, { layer: 1, head: 2, token: 3 });
  const back = JSON.parse(explanationJson(e)) as Explanation;
  assert.deepEqual(back.focus, { layer: 1, head: 2, token: 3 });
  assert.deepEqual(back.steps[0].logits[0].map(Math.fround), e.steps[0].logits[0]);
  assert.deepEqual(back.encoder.layers[1].selfAttention.heads[2].q.flat().map(Math.fround), e.encoder.layers[1].selfAttention.heads[2].q.flat());
  assert.deepEqual(back.encoder.layers[0].selfAttention.masked, e.encoder.layers[0].selfAttention.masked);
  const bad = (opts: Parameters<typeof explainSeq2Seq>[2], key: string, re: RegExp) =>
    assert.throws(() => explainSeq2Seq(model, SRC, opts), (err: unknown) => err instanceof OptionError && err.key === key && re.test(err.message));
  bad({ layer: 2 }, "layer", /^layer must be an integer in 0\.\.1 \(the model has 2 encoder and 2 decoder layers\), got 2$/);
  bad({ head: 4 }, "head", /^head must be an integer in 0\.\.3 \(the model has 4 heads\), got 4$/);
  bad({ token: 6 }, "token", /^token must be an integer in 0\.\.5 \(the source has 6 tokens\), got 6$/);
  bad({ token: 1.5 }, "token", /got 1\.5$/);
  bad({ temperature: 0 }, "temperature", /must be a number > 0/);
  assert.throws(() => explainSeq2Seq(model, [5, 99]), /source holds id 99, outside the vocabulary 0\.\.10/);
  assert.throws(() => explainSeq2Seq(model, []), /at least one token/);
});

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 28 }); // --json of a real model is megabytes
}

test("explain CLI: --json prints the record; --out writes a self-contained page with the JSON's numbers for the chosen token and head", () => {
  const ck = writeCheckpoint("seq2seq", { seed: 4 });
  const text = "In the beginning <God> & the earth";
  const file = path.join(OUT, "walk.html");
  const r = run("explain", "--checkpoint", ck.dir, "--json", "--out", file, "--head", "1", "--token", "2", "--temperature", "0.5", text);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, `wrote ${file}\n`);
  const e = JSON.parse(r.stdout) as Explanation;
  assert.deepEqual(e.source.ids, ck.src.encode(text));
  assert.deepEqual(e.focus, { layer: 0, head: 1, token: 2 });
  assert.equal(e.steps[0].prediction.temperature, 0.5);
  const html = fs.readFileSync(file, "utf8");
  assert.doesNotMatch(html, /https?:\/\//, "no URL: nothing is fetched");
  assert.doesNotMatch(html, /<link|<script[^>]+src=|<img|@import|url\(/, "no external assets");
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /ArrowRight/);
  assert.doesNotMatch(html, /<God>/, "the text is escaped");
  const ids = [...html.matchAll(/<section class="step" id="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(ids, ["tokens", "embedding", "positions", "qkv", "scores", "softmax", "values", "heads", "add-norm-1", "feed-forward",
    "encoder-output", "decoder-start", "masked-self-attention", "cross-attention", "logits", "temperature", "chosen", "next-step", "beam"]);
  /** The exact values (cell titles) of one section. */
  const titles = (id: string): Set<string> => {
    const body = html.slice(html.indexOf(`<section class="step" id="${id}">`), html.indexOf("</section>", html.indexOf(`id="${id}"`)));
    return new Set([...body.matchAll(/title="([^"]+)"/g)].map((m) => m[1]));
  };
  const has = (id: string, values: number[], what: string) => {
    const t = titles(id);
    for (const v of values) assert.ok(t.has(exactNumber(v)), `${id}: ${what} ${exactNumber(v)} missing`);
  };
  const att = e.encoder.layers[0].selfAttention;
  const head = att.heads[1];
  has("embedding", e.encoder.embedding.rows[2].slice(0, 8), "embedding row");
  has("positions", e.encoder.embedding.sum[2].slice(0, 8), "sum");
  has("qkv", [...head.q[2].slice(0, 8), ...head.k[2].slice(0, 8), ...head.v[2].slice(0, 8)], "q, k, v");
  has("scores", [...head.scores[2], ...head.scaled[2]], "scores");
  has("softmax", head.weights[2], "weights");
  has("values", head.output[2].slice(0, 8), "head output");
  has("heads", att.output[2].slice(0, 8), "W_O output");
  has("add-norm-1", [e.encoder.layers[0].addNorm1.norm.mean[2], e.encoder.layers[0].addNorm1.norm.variance[2]], "mean, variance");
  has("feed-forward", e.encoder.layers[0].feedForward.hidden[2].slice(0, 8), "hidden units");
  has("cross-attention", e.steps[0].layers[0].crossAttention.heads[1].weights[0], "cross weights");
  has("temperature", e.steps[0].prediction.top.map((t) => t.probAtTemperature), "p at τ");
  has("next-step", e.steps[1].layers[0].selfAttention.heads[1].weights[0], "step 2 weights");
  assert.match(html, new RegExp(`${e.encoder.layers[0].feedForward.zeros[2]} of 32 are 0`));

  // --target: the decoder reads bos and the prefix at once, and its mask hides later positions
  const withTarget = run("explain", "--checkpoint", ck.dir, "--json", "--beam", "0", "--target", "En el principio", text);
  assert.equal(withTarget.status, 0, withTarget.stderr);
  const t = JSON.parse(withTarget.stdout) as Explanation;
  const prefix = [1, ...ck.tgt.encode("En el principio")];
  assert.deepEqual(t.steps[0].input.ids, prefix);
  assert.deepEqual(t.steps[0].layers[0].selfAttention.masked, prefix.map((_, q) => prefix.map((_, k) => k > q)));
  assert.equal(t.steps[1].offset, prefix.length);
  assert.equal(t.beam, null);

  // --decoder-step: bos and the first N tokens of the greedy translation
  const atStep = run("explain", "--checkpoint", ck.dir, "--json", "--beam", "0", "--decoder-step", "1", text);
  assert.equal(atStep.status, 0, atStep.stderr);
  const g = JSON.parse(atStep.stdout) as Explanation;
  const greedy = generate(ck.model as Seq2Seq, [ck.src.encode(text)], { strategy: "greedy" }).results[0][0].tokens;
  assert.deepEqual(g.translation?.ids, greedy);
  assert.deepEqual(g.steps[0].input.ids, [1, greedy[0]]);
  const both = run("explain", "--checkpoint", ck.dir, "--decoder-step", "1", "--target", "En", text);
  assert.equal(both.stderr, "transformer: --target and --decoder-step both set the decoder's input: give one\n");
  const past = run("explain", "--checkpoint", ck.dir, "--decoder-step", String(greedy.length), text);
  assert.match(past.stderr, new RegExp(`^transformer: --decoder-step must be an integer in 0\\.\\.${greedy.length - 1} \\(the greedy translation is “.*”, ${greedy.length} tokens?\\), got ${greedy.length}\n$`));

  // without --json: a summary on stdout
  const plain = run("explain", "--checkpoint", ck.dir, text);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^source: .* \(\d+ tokens\)\nstep 1: after \S+ → .*\nstep 2: after .*\nbeam 4, 2 steps: best /);
});

test("explain CLI: a bad --layer, --head or --token is one line naming the flag and the valid range", () => {
  const ck = writeCheckpoint("seq2seq", { seed: 2 });
  const text = "God is love";
  const n = ck.src.encode(text).length;
  const cases: [string[], string][] = [
    [["--layer", "1"], "--layer must be an integer in 0..0 (the model has 1 encoder and 1 decoder layer), got 1"],
    [["--head", "2"], "--head must be an integer in 0..1 (the model has 2 heads), got 2"],
    [["--token", String(n)], `--token must be an integer in 0..${n - 1} (the source has ${n} tokens), got ${n}`],
    [["--temperature", "0"], "--temperature must be a number > 0, got 0"],
    [["--beam", "-1"], `--beam must be an integer in 0..${(ck.model as Seq2Seq).config.tgt_vocab_size} (0 leaves beam search out), got -1`],
  ];
  for (const [flags, message] of cases) {
    const r = run("explain", "--checkpoint", ck.dir, ...flags, text);
    assert.equal(r.status, 1, flags.join(" "));
    assert.equal(r.stderr, `transformer: ${message}\n`);
    assert.equal(r.stdout, "");
  }
  const bad = run("explain", "--checkpoint", ck.dir, "--head", "x", text);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--head <H>' argument 'x' is invalid/);
  const lm = writeCheckpoint("decoder_only", { seed: 3 });
  const r = run("explain", "--checkpoint", lm.dir, text);
  assert.equal(r.stderr, `transformer: ${lm.dir} holds a decoder_only model; explain walks seq2seq checkpoints\n`);
});

test("explain HTML: pre-LN models say so; without the beam aside the walk ends with the next step", () => {
  const model = tinySeq2Seq(VARIANTS[1], 5);
  const html = explanationHtml(explainSeq2Seq(model, SRC, { numBeams: 0, prefix: [1, 4] }), { text: "a < b" });
  assert.match(html, /This model is pre-LN/);
  assert.match(html, /<title>Inside the Transformer: “a &lt; b”<\/title>/);
  assert.doesNotMatch(html, /id="beam"/);
  assert.doesNotMatch(html, /With one position there is nothing later to hide/);
  // the navigation script parses (it is not run here: no DOM)
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.doesNotThrow(() => new Function(scripts[0]));
  assert.match(scripts[0], /"ArrowLeft"/);
});

test("explain without --checkpoint walks the shipped model and says so", { skip: !fs.existsSync(path.join(shippedModelDir(), "config.json")) && "the shipped model is not installed (models/en-es)" }, () => {
  const r = run("explain", "--json", "--beam", "0", "Jesus wept.");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /no --checkpoint: using the shipped English→Spanish model/);
  const e = JSON.parse(r.stdout) as Explanation;
  assert.deepEqual([e.config.dModel, e.config.numHeads, e.config.dK], [256, 8, 32]);
  assert.equal(e.steps.length, 2);
});
