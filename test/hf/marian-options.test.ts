/**
 * The pieces Marian added, against hand-computed truth: the SiLU kernel (x / (1 + e^−x); its gradient against
 * finite differences), the [sin | cos] sinusoid layout (the paper's table, rearranged), and the unigram Viterbi
 * segmentation and whitespace normalization on a hand-made model (scores chosen so the best path is worked out
 * by hand, ties included).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { silu, siluBackward } from "../../src/backend/js/activations.js";
import { sinusoidalPositions } from "../../src/nn/index.js";
import { PIECE_TYPE, SentencePiece } from "../../src/tokenizer/sentencepiece.js";

test("silu: x / (1 + e^−x) rounded once, and its gradient equals central finite differences", () => {
  const xs = Float32Array.from([-20, -3.5, -1, -0.25, 0, 0.25, 1, 2.5, 20]);
  const out = new Float32Array(xs.length);
  silu(xs, out, xs.length);
  const hand = [-20 / (1 + Math.exp(20)), -3.5 / (1 + Math.exp(3.5)), -1 / (1 + Math.E), -0.25 / (1 + Math.exp(0.25)), 0, 0.25 / (1 + Math.exp(-0.25)), 1 / (1 + 1 / Math.E), 2.5 / (1 + Math.exp(-2.5)), 20 / (1 + Math.exp(-20))];
  hand.forEach((v, i) => assert.equal(out[i], Math.fround(v), `silu(${xs[i]})`));
  const dy = Float32Array.from(xs, (_, i) => 1 + i / 10);
  const dx = new Float32Array(xs.length);
  siluBackward(xs, dy, dx, xs.length);
  const f = (v: number) => v / (1 + Math.exp(-v));
  xs.forEach((v, i) => {
    const h = 1e-5;
    const fd = ((f(v + h) - f(v - h)) / (2 * h)) * dy[i];
    assert.ok(Math.abs(dx[i] - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `d silu at ${v}: ${dx[i]} vs ${fd}`);
  });
});

test("sinusoid layout halves: the paper's sines in the first half, its cosines in the second (odd widths: one sine more)", () => {
  for (const d of [8, 7]) {
    const L = 12;
    const paper = sinusoidalPositions(L, d);
    const halves = sinusoidalPositions(L, d, "halves");
    const sines = Math.ceil(d / 2);
    for (let pos = 0; pos < L; pos++) {
      for (let i = 0; 2 * i < d; i++) {
        assert.equal(halves[pos * d + i], paper[pos * d + 2 * i], `d ${d} pos ${pos} sin ${i}`);
        if (2 * i + 1 < d) assert.equal(halves[pos * d + sines + i], paper[pos * d + 2 * i + 1], `d ${d} pos ${pos} cos ${i}`);
      }
    }
  }
});

/** A hand-made unigram model, identity normalization. */
function model(pieces: [string, number][], opts: Partial<{ removeExtraWhitespaces: boolean; addDummyPrefix: boolean }> = {}) {
  return new SentencePiece({
    pieces: [{ piece: "<unk>", score: 0, type: PIECE_TYPE.UNKNOWN }, { piece: "</s>", score: 0, type: PIECE_TYPE.CONTROL },
      ...pieces.map(([piece, score]) => ({ piece, score, type: PIECE_TYPE.NORMAL }))],
    byteFallback: false, addDummyPrefix: opts.addDummyPrefix ?? true, removeExtraWhitespaces: opts.removeExtraWhitespaces ?? true,
    escapeWhitespaces: true, charsmap: new Uint8Array(0),
  }, "hand-made");
}
const pieces = (sp: SentencePiece, text: string) => sp.encode(text).map((p) => p.piece);

test("unigram Viterbi: the best total score, unknown runs as one <unk> (scored min − 10), ties kept by the first path", () => {
  const sp = model([["▁a", -1], ["b", -2], ["▁ab", -2.5], ["c", -1], ["▁", -3], ["▁x", -2], ["x", -1]]);
  // ▁ab ▁ab c: −6 beats ▁a b ▁a b c (−7)
  assert.deepEqual(pieces(sp, "ab abc"), ["▁ab", "▁ab", "c"]);
  // "z" has no piece: one <unk> node of −3 − 10; two of them merge into one <unk> piece
  assert.deepEqual(sp.encode("azz"), [{ piece: "▁a", id: 2 }, { piece: "zz", id: 0 }]);
  // ▁x (−2) and ▁ then x (−3 + −1 = −4): ▁x; with x at −1 and ▁ at −1 both paths score −2: the first found stays
  assert.deepEqual(pieces(sp, "x"), ["▁x"]);
  const tie = model([["▁", -1], ["▁x", -2], ["x", -1]]);
  assert.deepEqual(pieces(tie, "x"), ["▁x"]);
  const better = model([["▁", -0.5], ["▁x", -2], ["x", -1]]);
  assert.deepEqual(pieces(better, "x"), ["▁", "x"]);
});

test("normalization: whitespace runs collapse, the ends are dropped, ▁ is prefixed and stands for spaces", () => {
  const sp = model([["▁a", -1], ["▁b", -1], ["▁", -5]]);
  const text = (s: string, m = sp) => new TextDecoder().decode(m.normalize(s));
  assert.equal(text("  a   b  "), "▁a▁b");
  assert.equal(text("   "), "");
  assert.equal(text("a\tb"), "▁a\tb"); // only " " is whitespace without a charsmap (nmt_nfkc maps \t to " ")
  assert.equal(text("  a  b ", model([], { removeExtraWhitespaces: false })), "▁▁▁a▁▁b▁");
  assert.equal(text("a b", model([], { addDummyPrefix: false })), "a▁b");
});
