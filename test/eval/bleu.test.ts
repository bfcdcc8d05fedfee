import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { corpusBleu } from "../../src/eval/index.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("BLEU of a 2-sentence corpus, worked out by hand", () => {
  // hyp 1 "a b a c d" vs ref "a b c d":  1-grams a,b,a,c,d: 5, clipped matches a(min(2,1)=1),b,c,d = 4
  //   2-grams ab ba ac cd: 4, matches ab cd = 2;  3-grams aba bac acd: 3, matches 0;  4-grams abac bacd: 2, matches 0
  // hyp 2 "e f" vs ref "e f g h":  1-grams 2 of 2 match;  2-grams ef 1 of 1;  no 3- or 4-grams
  // counts = [6, 3, 0, 0], totals = [7, 5, 3, 2], c = 7, r = 8
  // p1 = 6/7, p2 = 3/5; 'exp' smoothing: first zero order gets 1/(2·3), the next 1/(4·2)
  // BP = exp(1 − r/c) = exp(1 − 8/7) = exp(−1/7)
  // BLEU = 100 · BP · (6/7 · 3/5 · 1/6 · 1/8)^(1/4) = 100 · exp(−1/7) · (3/280)^(1/4) ≈ 27.890
  const r = corpusBleu(["a b a c d", "e f"], ["a b c d", "e f g h"]);
  assert.deepEqual(r.counts, [6, 3, 0, 0]);
  assert.deepEqual(r.totals, [7, 5, 3, 2]);
  assert.equal(r.sysLen, 7);
  assert.equal(r.refLen, 8);
  close(r.ratio, 7 / 8);
  close(r.bp, Math.exp(-1 / 7));
  [600 / 7, 60, 100 / 6, 12.5].forEach((p, i) => close(r.precisions[i], p));
  close(r.score, 100 * Math.exp(-1 / 7) * (3 / 280) ** 0.25);
  close(r.score, 27.890014303843827); // sacreBLEU 2.6.0
});

test("BLEU smoothing methods on the same corpus", () => {
  const hyps = ["a b a c d", "e f"];
  const refs = ["a b c d", "e f g h"];
  const bp = Math.exp(-1 / 7);
  // none: zero precisions make the score 0
  const none = corpusBleu(hyps, refs, { smooth: "none" });
  assert.equal(none.score, 0);
  assert.deepEqual(none.precisions.slice(2), [0, 0]);
  // floor 0.1: p3 = 0.1/3, p4 = 0.1/2
  const floor = corpusBleu(hyps, refs, { smooth: "floor" });
  close(floor.score, 100 * bp * ((6 / 7) * (3 / 5) * (0.1 / 3) * (0.1 / 2)) ** 0.25);
  // add-k 1 on orders 2..4: p2 = 4/6, p3 = 1/4, p4 = 1/3
  const addK = corpusBleu(hyps, refs, { smooth: "add-k" });
  close(addK.score, 100 * bp * ((6 / 7) * (4 / 6) * (1 / 4) * (1 / 3)) ** 0.25);
  close(addK.score, 40.49515890265691); // sacreBLEU 2.6.0
  const addK2 = corpusBleu(hyps, refs, { smooth: "add-k", smoothValue: 2 });
  close(addK2.score, 100 * bp * ((6 / 7) * (5 / 7) * (2 / 5) * (2 / 4)) ** 0.25);
});

test("BLEU is 100 for a perfect match and 0 with no matching word", () => {
  const sents = ["the cat sat on the mat .", "In the beginning, God created the heavens and the earth."];
  const perfect = corpusBleu(sents, sents);
  close(perfect.score, 100);
  assert.equal(perfect.bp, 1);
  const none = corpusBleu(["x y z w"], ["a b c d"]);
  assert.equal(none.score, 0);
  assert.deepEqual(none.precisions, [0, 0, 0, 0]);
});

test("BLEU is 0 when the corpus has no 4-gram, unless effectiveOrder", () => {
  // "the cat" vs "the cat sat": p1 = 2/2, p2 = 1/1, no 3-grams: the default averages log 0 in → 0
  assert.equal(corpusBleu(["the cat"], ["the cat sat"]).score, 0);
  // effectiveOrder: mean over orders 1..2 only; BP = exp(1 − 3/2)
  const eff = corpusBleu(["the cat"], ["the cat sat"], { effectiveOrder: true });
  close(eff.score, 100 * Math.exp(-0.5));
});

test("BLEU tokenizes with 13a, and lowercase and tokenize options apply", () => {
  // 13a splits "mat." into "mat ." so these are identical after tokenization
  close(corpusBleu(["the cat sat on the mat."], ["the cat sat on the mat ."]).score, 100);
  // with tokenize "none": "mat." ≠ "mat", "." so 5 of 6 words match
  const raw = corpusBleu(["the cat sat on the mat."], ["the cat sat on the mat ."], { tokenize: "none" });
  assert.deepEqual(raw.counts, [5, 4, 3, 2]);
  // casing counts unless lowercase: "The Cat" vs "the cat" → unigrams 4/6 ("the" matches once: clipped)
  const cased = corpusBleu(["The Cat sat on the mat"], ["the cat sat on the mat"]);
  assert.deepEqual(cased.counts, [4, 3, 2, 1]);
  close(corpusBleu(["The Cat sat on the mat"], ["the cat sat on the mat"], { lowercase: true }).score, 100);
});

test("BLEU brevity penalty: 1 when the system is longer, 0 when it is empty", () => {
  const longer = corpusBleu(["a b c d e f"], ["a b c d e"]);
  assert.equal(longer.bp, 1);
  assert.equal(corpusBleu([""], ["a b"]).bp, 0);
});

test("BLEU rejects mismatched corpora and bad options", () => {
  assert.throws(() => corpusBleu(["a", "b"], ["a"]), (e: Error) => e instanceof OptionError && /2 hypotheses but 1 references/.test(e.message));
  assert.throws(() => corpusBleu([], []), OptionError);
  assert.throws(() => corpusBleu(["a"], ["a"], { smooth: "exp", smoothValue: 1 }), OptionError);
  assert.throws(() => corpusBleu(["a"], ["a"], { smooth: "bogus" as never }), OptionError);
  assert.throws(() => corpusBleu(["a"], ["a"], { tokenize: "intl" as never }), OptionError);
});
