import { test } from "node:test";
import assert from "node:assert/strict";
import { IncrementalDetokenizer, type StreamPiece, generate, stream, streamOne } from "../../src/generate/index.js";
import { VARIANTS, byteTokenizer, handMadeDecoderOnly, tinySeq2Seq } from "./models.js";

const TEXT = "naïve café → 😀 日本語!";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("incremental detokenizer: byte by byte, every piece is whole characters and they add up to the text", () => {
  const ids = [...byteTokenizer.encode(TEXT), 2];
  const d = new IncrementalDetokenizer(byteTokenizer);
  const pieces = ids.map((id) => d.push(id));
  pieces.push(d.flush());
  for (const p of pieces) assert.ok(!p.includes("\uFFFD"), `piece ${JSON.stringify(p)} holds half a character`);
  assert.equal(pieces.join(""), TEXT);
  // the 4-byte emoji: three tokens give nothing, the fourth gives the whole character
  const emojiStart = byteTokenizer.encode("naïve café → ").length;
  assert.deepEqual(pieces.slice(emojiStart, emojiStart + 4), ["", "", "", "😀"]);
  // specials are kept when asked
  const keep = new IncrementalDetokenizer(byteTokenizer, false);
  assert.equal([...byteTokenizer.encode("ok"), 2].map((id) => keep.push(id)).join("") + keep.flush(), "ok<eos>");
  // an incomplete character at the very end comes out at flush (as U+FFFD, what decode gives)
  const cut = new IncrementalDetokenizer(byteTokenizer);
  const head = byteTokenizer.encode("é").slice(0, 1).map((id) => cut.push(id)).join("");
  assert.equal(head, "");
  assert.equal(cut.flush(), "\uFFFD");
});

test("stream yields what generate returns, token by token, text never splitting a character", async () => {
  // a hand-wired model that emits TEXT's bytes then eos, so multi-byte characters really are split over tokens
  const script = [...byteTokenizer.encode(TEXT), 2];
  const model = handMadeDecoderOnly({ vocabSize: 259, script });
  const pieces = await collect(stream(model, [[1]], {}, { detokenizer: byteTokenizer }));
  assert.deepEqual(pieces.map((p) => p.token), script);
  assert.equal(pieces.map((p) => p.text).join(""), TEXT);
  assert.equal(pieces.map((p) => p.text).join(""), byteTokenizer.decode(generate(model, [[1]]).results[0][0].tokens, { skipSpecial: true }));
  for (const p of pieces) assert.ok(!p.text.includes("\uFFFD"));
  assert.deepEqual(pieces.map((p) => p.finish).filter(Boolean), ["eos"]);
  assert.equal(pieces.at(-1)!.finish, "eos");
});

test("streamOne: one input's pieces to a callback; resolves to generate's tokens and finish (eos, and the length limit)", async () => {
  const script = [...byteTokenizer.encode(TEXT), 2];
  const model = handMadeDecoderOnly({ vocabSize: 259, script });
  const seen: StreamPiece[] = [];
  const out = await streamOne(model, [1], {}, { detokenizer: byteTokenizer }, (p) => seen.push(p));
  const want = generate(model, [[1]]).results[0][0];
  assert.deepEqual(out.ids, want.tokens);
  assert.equal(out.finish, "eos");
  assert.deepEqual(seen.map((p) => p.token), out.ids);
  assert.equal(seen.map((p) => p.text).join(""), TEXT);
  const cut = await streamOne(model, [1], { maxNewTokens: 3 }, {}, () => {});
  assert.deepEqual(cut.ids, script.slice(0, 3));
  assert.equal(cut.finish, generate(model, [[1]], { maxNewTokens: 3 }).results[0][0].finish);
  assert.notEqual(cut.finish, "eos");
});

test("stream over a batch: per-input pieces in step order, the same tokens as generate, returns its output", async () => {
  const model = tinySeq2Seq(VARIANTS[1], 9);
  const src = [[3, 4, 5, 6], [7, 8], [9, 10, 3, 4, 5, 6, 7]];
  for (const cfg of [{ maxNewTokens: 9 }, { strategy: "sample" as const, seed: 3, temperature: 2, maxNewTokens: 9 }]) {
    const expected = generate(model, src, cfg).results.map((h) => h[0].tokens);
    const it = stream(model, src, cfg);
    const pieces: StreamPiece[] = [];
    let r = await it.next();
    while (!r.done) {
      pieces.push(r.value);
      r = await it.next();
    }
    src.forEach((_, i) => assert.deepEqual(pieces.filter((p) => p.input === i).map((p) => p.token), expected[i]));
    assert.deepEqual(r.value.results.map((h) => h[0].tokens), expected);
    for (const p of pieces) assert.equal(p.text, "");
    // each input's last piece carries its finish reason
    src.forEach((_, i) => assert.ok(pieces.filter((p) => p.input === i).at(-1)!.finish));
  }
});

test("stream yields to the event loop between steps", async () => {
  const model = handMadeDecoderOnly({ vocabSize: 259, script: byteTokenizer.encode("abcdef") });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const seen: number[] = [];
  for await (const _ of stream(model, [[1]], { maxNewTokens: 6 })) seen.push(ticks);
  clearInterval(timer);
  assert.ok(seen.at(-1)! > seen[0], "timers ran while streaming");
});
