import assert from "node:assert/strict";
import { test } from "node:test";
import { tokenize13a } from "../../src/eval/index.js";

// Expected outputs follow sacreBLEU's Tokenizer13a rules (and agree with sacreBLEU 2.6.0 on each of these lines).
test("13a splits punctuation and symbols off words, but not apostrophes or inner hyphens", () => {
  assert.equal(tokenize13a("Wait... what?!"), "Wait . . . what ? !");
  assert.equal(tokenize13a("(hi) [x] {y} ~z^ `q` |p| @a #b %c"), "( hi ) [ x ] { y } ~ z ^ ` q ` | p | @ a # b % c");
  assert.equal(tokenize13a(`"Quote" 'single' well-known`), `" Quote " 'single' well-known`);
  // Non-ASCII punctuation is not split.
  assert.equal(tokenize13a("«guillemets» — dash"), "«guillemets» — dash");
});

test("13a keeps a period or comma between digits and splits it elsewhere", () => {
  assert.equal(tokenize13a("end."), "end .");
  assert.equal(tokenize13a("It costs 3.5 or 1,000."), "It costs 3.5 or 1,000 .");
  // "5." before a space and ".5" after a space are split; "1,a" is split because a letter follows.
  assert.equal(tokenize13a("A.B. 3.5 .5 5. ,a a, 1,a"), "A . B . 3.5 . 5 5 . , a a , 1 , a");
  assert.equal(tokenize13a("$3.50, or 1,000-2,000 units; (see p. 5)-ish."),
    "$ 3.50 , or 1,000 - 2,000 units ; ( see p . 5 ) -ish .");
});

test("13a splits a dash after a digit only", () => {
  assert.equal(tokenize13a("1990-1995 x-y 3-x"), "1990 - 1995 x-y 3 - x");
});

test("13a unescapes &quot; &amp; &lt; &gt; once, in that order, and drops <skipped> and hyphenated line breaks", () => {
  assert.equal(tokenize13a("He said &quot;hi&quot; &amp; left."), `He said " hi " & left .`);
  // "&amp;amp;" becomes "&amp;" (one pass), then "&" and ";" are symbols.
  assert.equal(tokenize13a("&lt;tag&gt; &amp;amp; &quot;"), `< tag > & amp ; "`);
  assert.equal(tokenize13a("<skipped> well-\nknown\nword"), "wellknown word");
});

test("13a collapses Python's whitespace (incl. U+00A0, U+2003, U+001C) and trims", () => {
  assert.equal(tokenize13a("  a\u00a0b\u2003c  d\u001ce\t\r "), "a b c d e");
  assert.equal(tokenize13a(""), "");
  // Astral characters stay whole.
  assert.equal(tokenize13a("😀. 😀,x"), "😀 . 😀 , x");
});
