import { test, after } from "node:test";
import assert from "node:assert/strict";
import { generate } from "../../src/generate/index.js";
import type { GenerativeModel } from "../../src/models/architectures/registry.js";
import { type SseEvent, decoderOnlyParts, demoParts, request, serve, streamEvents } from "./helpers.js";

const s2s = demoParts();
const lm = decoderOnlyParts();
const servers = { s2s: await serve(s2s), lm: await serve(lm) };
after(() => Promise.all(Object.values(servers).map((s) => s.close())));

const tokensOf = (events: SseEvent[], index = 0) => events.filter((e) => e.event === "message" && e.data.index === index).map((e) => e.data.token);

test('"stream": true sends each token as a server-sent event, then the answer a plain request gets', async () => {
  const body = { text: ["In the beginning God created the heavens and the earth.", "Jesus wept."], ids: true };
  const plain = await request(servers.s2s, "/v1/translate", body);
  const events = await streamEvents(servers.s2s.url + "/v1/translate", { ...body, stream: true });
  const done = events.at(-1)!;
  assert.equal(done.event, "done");
  assert.deepEqual(done.data, plain.json);
  for (const i of [0, 1]) {
    assert.deepEqual(tokensOf(events, i), plain.json.ids[i]);
    const pieces = events.filter((e) => e.event === "message" && e.data.index === i);
    assert.equal(pieces.map((e) => e.data.text).join(""), plain.json.translations[i]);
    assert.deepEqual(pieces.map((e) => e.data.finish), [...pieces.slice(1).map(() => null), "eos"]);
  }
});

test("streamed sampling with a seed gives the library's samples", async () => {
  const ids = lm.srcTokenizer.encode("And God said", { addBos: true });
  const want = generate(lm.model as GenerativeModel, [ids], { strategy: "sample", seed: 3, topK: 10, maxNewTokens: 10 }).results[0][0];
  const events = await streamEvents(servers.lm.url + "/v1/generate", { prompt: "And God said", seed: 3, top_k: 10, max_new_tokens: 10, stream: true });
  assert.deepEqual(tokensOf(events), want.tokens);
  assert.equal(events.at(-1)!.data.seed, 3);
  assert.equal(events.at(-1)!.data.completions[0], lm.srcTokenizer.decode(want.tokens, { skipSpecial: true }));
});

test("a stream's errors before it starts are plain JSON 400s", async () => {
  const r = await request(servers.lm, "/v1/generate", { prompt: "a", stream: "yes" });
  assert.deepEqual([r.status, r.json.error], [400, '"stream" must be true or false, got "yes"']);
});
