import { test } from "node:test";
import assert from "node:assert/strict";
import { DecoderOnlyStepDecoder, Seq2SeqStepDecoder } from "../../src/generate/index.js";
import { tokenBatch } from "../../src/models/index.js";
import { noGrad } from "../../src/tensor/index.js";
import { VARIANTS, maxAbsDiff, tinyDecoderOnly, tinySeq2Seq } from "./models.js";

const TOL = 1e-5;

/** Row b, position t of (B, T, V) logits. */
function at(data: Float32Array, T: number, V: number, b: number, t: number): Float32Array {
  return data.subarray((b * T + t) * V, (b * T + t + 1) * V);
}

for (const v of VARIANTS) {
  test(`seq2seq ${v.name}: cached step logits equal the full decoder's, padded sources, chunks, reordering`, () => {
    const model = tinySeq2Seq(v);
    model.train(); // the step decoder must switch dropout off by itself
    const src = tokenBatch([[3, 4, 5, 6, 7], [8, 9, 3, 0, 0], [10, 4, 0, 0, 0]], 0);
    const tgt = [[1, 5, 6, 7, 3, 4, 8], [1, 9, 9, 3, 12, 11, 2], [1, 4, 10, 3, 5, 6, 7]];
    const T = tgt[0].length, V = 13;
    const full = noGrad(() => {
      model.eval();
      const out = model.logits(model.decode(tokenBatch(tgt), model.encode(src))).data; // (B, T, V)
      model.train();
      return out;
    });
    const dec = new Seq2SeqStepDecoder(model, src);
    let logits = dec.start();
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < 3; b++) {
        const d = maxAbsDiff(logits.subarray(b * V, (b + 1) * V), at(full, T, V, b, t));
        assert.ok(d < TOL, `row ${b} position ${t}: max diff ${d}`);
      }
      if (t + 1 < T) logits = dec.step(tgt.map((r) => r[t + 1]));
    }
    assert.equal(model.training, true, "the model's mode is restored");

    // reorder and repeat rows mid-way (what beam search does): row order [2, 0, 0] from position 3 on
    const dec2 = new Seq2SeqStepDecoder(model, src);
    dec2.start();
    for (let t = 1; t <= 2; t++) dec2.step(tgt.map((r) => r[t]));
    const order = [2, 0, 0];
    dec2.select(order);
    logits = dec2.step(order.map((b) => tgt[b][3]));
    order.forEach((b, r) => {
      const d = maxAbsDiff(logits.subarray(r * V, (r + 1) * V), at(full, T, V, b, 3));
      assert.ok(d < TOL, `selected row ${r} (was ${b}): max diff ${d}`);
    });

    // the model-level plumbing with a multi-token chunk after cached positions (causal with a query offset)
    noGrad(() => {
      model.eval();
      const enc = model.encode(src);
      const cache = model.transformer.decoder.layers.items.map(() => ({ self: {}, cross: {} }));
      model.decode(tokenBatch(tgt.map((r) => r.slice(0, 3))), enc, { cache, offset: 0, tgtKeyPad: null });
      const rest = model.logits(model.decode(tokenBatch(tgt.map((r) => r.slice(3))), enc, { cache, offset: 3, tgtKeyPad: null })).data;
      for (let b = 0; b < 3; b++) {
        for (let t = 3; t < T; t++) {
          const d = maxAbsDiff(at(rest, T - 3, V, b, t - 3), at(full, T, V, b, t));
          assert.ok(d < TOL, `chunk row ${b} position ${t}: max diff ${d}`);
        }
      }
      assert.throws(() => model.decode(tokenBatch([[4], [4], [4]]), enc, { cache, offset: T }), /tgtKeyPad/);
      model.train();
    });
  });

  test(`decoder_only ${v.name}: cached logits equal uncached, left-padded prompts decode as alone`, () => {
    const model = tinyDecoderOnly(v);
    const prompts = [[1, 5, 6, 7, 3], [1, 9], [1, 4, 10]];
    const cont = [[8, 4, 12, 3], [3, 3, 5, 6], [11, 7, 2, 9]];
    const V = 13;
    const dec = new DecoderOnlyStepDecoder(model, prompts);
    const steps: Float32Array[] = [Float32Array.from(dec.start())];
    for (let t = 0; t < cont[0].length; t++) steps.push(Float32Array.from(dec.step(cont.map((c) => c[t]))));
    prompts.forEach((p, b) => {
      const seq = [...p, ...cont[b]];
      const full = noGrad(() => {
        model.eval();
        return model.forward(tokenBatch([seq])).data; // (1, L, V)
      });
      steps.forEach((logits, s) => {
        const t = p.length - 1 + s;
        const d = maxAbsDiff(logits.subarray(b * V, (b + 1) * V), at(full, seq.length, V, 0, t));
        assert.ok(d < TOL, `row ${b} position ${t}: max diff ${d}`);
      });
    });

    // a right-padded batch through the model's own cache plumbing, with the padding mask over all positions
    noGrad(() => {
      const ids = [[1, 5, 6, 0, 0], [1, 9, 3, 4, 7]];
      const full = model.forward(tokenBatch(ids)).data; // (2, 5, V)
      const cache = model.stack.layers.items.map(() => ({}));
      const keyPad = Uint8Array.from(ids.flat().map((x) => (x === 0 ? 1 : 0)));
      const firstPad = Uint8Array.from(ids.flatMap((r) => r.slice(0, 2).map((x) => (x === 0 ? 1 : 0))));
      model.forward(tokenBatch(ids.map((r) => r.slice(0, 2))), { cache, keyPad: firstPad });
      const rest = model.forward(tokenBatch(ids.map((r) => r.slice(2))), { cache, offset: 2, keyPad }).data;
      for (let b = 0; b < 2; b++) {
        for (let t = 2; t < 5; t++) {
          if (ids[b][t] === 0) continue; // a padding query's output is never read
          const d = maxAbsDiff(at(rest, 3, V, b, t - 2), at(full, 5, V, b, t));
          assert.ok(d < TOL, `right-padded row ${b} position ${t}: max diff ${d}`);
        }
      }
      assert.throws(() => model.forward(tokenBatch([[4], [4]]), { cache, offset: 5 }), /keyPad/);
      assert.throws(() => model.forward(tokenBatch([[4], [4]]), { cache, offset: 5, keyPad: new Uint8Array(2) }), /keyPad has 2 entries/);
    });
  });
}

test("cached logits are not a trivially equal computation: a wrong offset changes them", () => {
  // guards the comparisons above: positions matter, so a cache that lost its offset would be caught
  const model = tinySeq2Seq(VARIANTS[0]);
  noGrad(() => {
    model.eval();
    const src = tokenBatch([[3, 4, 5]]);
    const enc = model.encode(src);
    const a = model.logits(model.decode(tokenBatch([[6]]), enc, { offset: 0, tgtKeyPad: null })).data;
    const b = model.logits(model.decode(tokenBatch([[6]]), enc, { offset: 3, tgtKeyPad: null })).data;
    assert.ok(maxAbsDiff(a, b) > 1e-3);
  });
});
