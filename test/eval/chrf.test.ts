import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { corpusChrf } from "../../src/eval/index.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("chrF of identical strings is 100, and whitespace is ignored", () => {
  close(corpusChrf(["In the beginning, God created"], ["In the beginning, God created"]).score, 100);
  close(corpusChrf(["a b"], ["ab"]).score, 100);
  assert.equal(corpusChrf(["xyz"], ["abc"]).score, 0);
});

test("chrF of 'ab' against 'abc', worked out by hand", () => {
  // hyp char n-grams: 1: a b (2)   2: ab (1)
  // ref char n-grams: 1: a b c (3) 2: ab bc (2) 3: abc (1)
  // per order (hyp, ref, match): n=1 (2, 3, 2), n=2 (1, 2, 1), n=3 (0, 1, 0), n=4..6 (0, 0, 0)
  // orders with n-grams on both sides: 1 and 2 → P = (2/2 + 1/1)/2 = 1, R = (2/3 + 1/2)/2 = 7/12
  // chrF2 = 100 · (1 + 4) · P · R / (4P + R) = 100 · (35/12) / (55/12) = 100 · 7/11
  const r = corpusChrf(["ab"], ["abc"]);
  close(r.score, (100 * 7) / 11);
  assert.deepEqual(r.statistics.map((s) => [s.hyp, s.ref, s.match]), [[2, 3, 2], [1, 2, 1], [0, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
});

test("chrF sums statistics over the corpus before averaging", () => {
  // seg 1 "ab" vs "abc" as above; seg 2 "c" vs "d": n=1 (1, 1, 0), no higher orders
  // n=1 (3, 4, 2), n=2 (1, 2, 1): P = (2/3 + 1)/2 = 5/6, R = (2/4 + 1/2)/2 = 1/2
  // chrF2 = 100 · 5 · (5/6)(1/2) / (4 · 5/6 + 1/2) = 100 · (25/12) / (23/6) = 100 · 25/46
  close(corpusChrf(["ab", "c"], ["abc", "d"]).score, (100 * 25) / 46);
});

test("chrF with epsSmoothing averages per-order F-scores", () => {
  // 'ab' vs 'abc': F(n=1) = 5 · 1 · (2/3) / (4 + 2/3) = 5/7, F(n=2) = 5 · 1 · (1/2) / (4 + 1/2) = 5/9,
  // F(n=3) = 0 (P = eps, R = 0), F(n=4..6) = 5·eps²/(5·eps) = eps → 100 · (5/7 + 5/9 + 3e-16) / 6 = 100 · 80/378
  close(corpusChrf(["ab"], ["abc"], { epsSmoothing: true }).score, 8000 / 378);
  close(corpusChrf(["ab"], ["abc"], { epsSmoothing: true }).score, 21.16402116402116); // sacreBLEU 2.6.0
});

test("chrF++ (wordOrder 2) adds word n-grams after splitting off punctuation", () => {
  // 'ab' vs 'abc': char orders as above, word 1-grams (1, 1, 0), word 2-grams none
  // P = (1 + 1 + 0)/3 = 2/3, R = (2/3 + 1/2 + 0)/3 = 7/18 → 100 · 5 · (2/3)(7/18) / (8/3 + 7/18) = 100 · 14/33
  close(corpusChrf(["ab"], ["abc"], { wordOrder: 2 }).score, (100 * 14) / 33);
  // "cat." vs "cat ." are the same word n-grams: the final period is split off
  close(corpusChrf(["the cat."], ["the cat ."], { wordOrder: 2 }).score, 100);
});

test("chrF options: beta, lowercase, whitespace, charOrder", () => {
  // beta 1 on 'ab' vs 'abc': P = 1, R = 7/12 → 2PR/(P+R) = (14/12)/(19/12) = 14/19
  close(corpusChrf(["ab"], ["abc"], { beta: 1 }).score, (100 * 14) / 19);
  close(corpusChrf(["AB"], ["ab"], { lowercase: true }).score, 100);
  assert.equal(corpusChrf(["AB"], ["ab"]).score, 0);
  // with whitespace kept, "a b" has n-grams "a", " ", "b", "a ", " b", "a b" and is no longer "ab"
  assert.ok(corpusChrf(["a b"], ["ab"], { whitespace: true }).score < 100);
  // charOrder 1: P = 2/2, R = 2/3 → 5 · (2/3) / (4 + 2/3) = 5/7
  close(corpusChrf(["ab"], ["abc"], { charOrder: 1 }).score, (100 * 5) / 7);
});

test("chrF counts characters as code points (astral characters are one character)", () => {
  // "😀a" vs "😀b": 1-grams (2, 2, 1), 2-grams (1, 1, 0) → P = R = 1/4 → F = 1/4
  close(corpusChrf(["😀a"], ["😀b"]).score, 25);
});

test("chrF rejects mismatched corpora and bad options", () => {
  assert.throws(() => corpusChrf(["a"], ["a", "b"]), (e: Error) => e instanceof OptionError && /1 hypotheses but 2 references/.test(e.message));
  assert.throws(() => corpusChrf(["a"], ["a"], { charOrder: 1.5 }), OptionError);
  assert.throws(() => corpusChrf(["a"], ["a"], { charOrder: 0, wordOrder: 0 }), OptionError);
});
