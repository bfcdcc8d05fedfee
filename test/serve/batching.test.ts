import { test } from "node:test";
import assert from "node:assert/strict";
import { generate } from "../../src/generate/index.js";
import type { GenerativeModel } from "../../src/models/architectures/registry.js";
import { decoderOnlyParts, demoParts, metric, request, serve } from "./helpers.js";

const s2s = demoParts();
const lm = decoderOnlyParts();

/** Each source translated alone, in process. */
function alone(texts: string[], config: object): number[][] {
  return texts.map((t) => generate(s2s.model as GenerativeModel, [s2s.srcTokenizer.encode(t)], config).results[0][0].tokens);
}

const TEXTS = [
  ["In the beginning God created the heavens and the earth."],
  ["Jesus wept.", "The earth was formless and empty."],
  ["God is love."],
];

/**
 * The requests go out together; the batch budget is exactly what they fill, and the wait long, so they are
 * decoded as one batch (the batch-size histogram shows it) however the event loop interleaves their arrival.
 */
async function oneBatch(config: object, body: object, width: number) {
  const rows = TEXTS.flat().length;
  const longest = Math.max(...TEXTS.flat().map((t) => s2s.srcTokenizer.encode(t).length));
  const server = await serve(s2s, { maxBatchTokens: longest * rows * width, maxWaitMs: 30_000 });
  try {
    const replies = await Promise.all(TEXTS.map((text) => request(server, "/v1/translate", { text, ids: true, ...body })));
    const metrics = (await request(server, "/metrics")).text;
    assert.equal(metric(metrics, "transformer_batch_size_count"), 1, metrics);
    assert.equal(metric(metrics, "transformer_batch_size_sum"), rows);
    replies.forEach((r, i) => {
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.ids, alone(TEXTS[i], config), `request ${i}`);
    });
  } finally {
    await server.close();
  }
}

test("batching: concurrent greedy requests of mixed lengths are one batch, and each gets what it gets alone", () => oneBatch({}, {}, 1));

test("batching: concurrent beam requests of mixed lengths are one batch, and each gets what it gets alone", () =>
  oneBatch({ strategy: "beam", numBeams: 3, maxNewTokens: 20 }, { beam: 3, max_new_tokens: 20 }, 3));

test("batching: requests with different options are decoded in separate batches, each as alone", async () => {
  const server = await serve(s2s, { maxWaitMs: 50 });
  try {
    const [g, b] = await Promise.all([
      request(server, "/v1/translate", { text: "Jesus wept.", ids: true }),
      request(server, "/v1/translate", { text: "God is love.", beam: 2, ids: true }),
    ]);
    assert.deepEqual(g.json.ids, alone(["Jesus wept."], {}));
    assert.deepEqual(b.json.ids, alone(["God is love."], { strategy: "beam", numBeams: 2 }));
    assert.equal(metric((await request(server, "/metrics")).text, "transformer_batch_size_count"), 2);
  } finally {
    await server.close();
  }
});

test("batching: decoder_only prompts of mixed lengths from concurrent requests, greedy, as alone", async () => {
  const prompts = ["In the beginning God created", "And", "the face of the deep"];
  const longest = Math.max(...prompts.map((p) => lm.srcTokenizer.encode(p, { addBos: true }).length));
  const server = await serve(lm, { maxBatchTokens: longest * prompts.length, maxWaitMs: 30_000 });
  try {
    const replies = await Promise.all(prompts.map((prompt) => request(server, "/v1/generate", { prompt, strategy: "greedy", max_new_tokens: 8, ids: true })));
    assert.equal(metric((await request(server, "/metrics")).text, "transformer_batch_size_count"), 1);
    replies.forEach((r, i) => {
      const want = generate(lm.model as GenerativeModel, [lm.srcTokenizer.encode(prompts[i], { addBos: true })], { maxNewTokens: 8 }).results[0][0].tokens;
      assert.deepEqual(r.json.ids, [want]);
    });
  } finally {
    await server.close();
  }
});

test("batching off: each request is its own batch", async () => {
  const server = await serve(s2s, { batching: false });
  try {
    await Promise.all(TEXTS.map((text) => request(server, "/v1/translate", { text })));
    assert.equal(metric((await request(server, "/metrics")).text, "transformer_batch_size_count"), TEXTS.length);
  } finally {
    await server.close();
  }
});
