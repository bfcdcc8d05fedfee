import { test, after } from "node:test";
import assert from "node:assert/strict";
import { classify, generate } from "../../src/generate/index.js";
import type { GenerativeModel } from "../../src/models/architectures/registry.js";
import { decoderOnlyParts, demoParts, encoderOnlyParts, metric, request, serve } from "./helpers.js";

const s2s = demoParts();
const lm = decoderOnlyParts();
const cls = encoderOnlyParts();
const servers = { s2s: await serve(s2s), lm: await serve(lm), cls: await serve(cls) };
after(() => Promise.all(Object.values(servers).map((s) => s.close())));

const VERSES = ["In the beginning God created the heavens and the earth.", "Jesus wept.", "God is love."];

/** What the library gives in process: the best hypothesis of each source, decoded alone. */
function inProcess(texts: string[], config: object) {
  return texts.map((t) => {
    const ids = s2s.srcTokenizer.encode(t);
    const h = generate(s2s.model as GenerativeModel, [ids], config).results[0][0];
    return { text: s2s.tgtTokenizer.decode(h.tokens, { skipSpecial: true }), tokens: h.tokens };
  });
}

test("POST /v1/translate: greedy and beam translations (and ids) equal the library's in process", async () => {
  const greedy = await request(servers.s2s, "/v1/translate", { text: VERSES, ids: true });
  assert.equal(greedy.status, 200, greedy.text);
  const want = inProcess(VERSES, {});
  assert.deepEqual(greedy.json.translations, want.map((w) => w.text));
  assert.deepEqual(greedy.json.ids, want.map((w) => w.tokens));
  assert.deepEqual(greedy.json.finish, want.map(() => "eos"));

  const beam = await request(servers.s2s, "/v1/translate", { text: "God is love.", beam: 3, length_penalty: 1, max_new_tokens: 30 });
  assert.equal(beam.status, 200, beam.text);
  assert.deepEqual(beam.json.translations, inProcess(["God is love."], { strategy: "beam", numBeams: 3, lengthPenalty: 1, maxNewTokens: 30 }).map((w) => w.text));
  assert.equal(beam.json.ids, undefined, "ids only when asked");

  const one = await request(servers.s2s, "/v1/translate", { text: "", ids: true });
  assert.deepEqual(one.json, { translations: [""], finish: ["empty"], ids: [[]] });
});

test("POST /v1/translate: a text over max_len is cut to its first max_len tokens and the answer says by how much", async () => {
  const long = Array.from({ length: 12 }, () => "And the earth was without form and void.").join(" ");
  const ids = s2s.srcTokenizer.encode(long);
  assert.ok(ids.length > s2s.config.max_len);
  const r = await request(servers.s2s, "/v1/translate", { text: [long, "Jesus wept."], max_new_tokens: 5 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.truncated_tokens, [ids.length - s2s.config.max_len, 0]);
  const h = generate(s2s.model as GenerativeModel, [ids.slice(0, s2s.config.max_len)], { maxNewTokens: 5 }).results[0][0];
  assert.equal(r.json.translations[0], s2s.tgtTokenizer.decode(h.tokens, { skipSpecial: true }));
});

test("POST /v1/generate: sampling with a seed repeats the library's samples; greedy too; the seed drawn is reported", async () => {
  const prompt = "In the beginning";
  const ids = lm.srcTokenizer.encode(prompt, { addBos: true });
  const cfg = { strategy: "sample" as const, seed: 9, temperature: 0.8, topK: 20, topP: 0.9, maxNewTokens: 12 };
  const want = generate(lm.model as GenerativeModel, [ids], cfg).results[0][0];
  const r = await request(servers.lm, "/v1/generate", { prompt, seed: 9, temperature: 0.8, top_k: 20, top_p: 0.9, max_new_tokens: 12, ids: true });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.ids, [want.tokens]);
  assert.equal(r.json.completions[0], lm.srcTokenizer.decode(want.tokens, { skipSpecial: true }));
  assert.equal(r.json.seed, 9);

  const drawn = await request(servers.lm, "/v1/generate", { prompt, max_new_tokens: 6, ids: true });
  assert.equal(typeof drawn.json.seed, "number");
  const again = generate(lm.model as GenerativeModel, [ids], { strategy: "sample", seed: drawn.json.seed, maxNewTokens: 6 }).results[0][0];
  assert.deepEqual(drawn.json.ids, [again.tokens], "the reported seed repeats the run");

  const greedy = await request(servers.lm, "/v1/generate", { prompt: [prompt, "And"], strategy: "greedy", max_new_tokens: 8, ids: true });
  assert.equal(greedy.status, 200, greedy.text);
  assert.equal(greedy.json.seed, undefined);
  for (const [i, p] of [prompt, "And"].entries()) {
    assert.deepEqual(greedy.json.ids[i], generate(lm.model as GenerativeModel, [lm.srcTokenizer.encode(p, { addBos: true })], { maxNewTokens: 8 }).results[0][0].tokens);
  }
});

test("POST /v1/classify: labels and probabilities equal the library's; top k", async () => {
  const texts = ["What a lovely day.", "No!", "the face of the deep"];
  const want = classify(cls.model, cls.srcTokenizer, texts, { batchSize: 1 });
  const r = await request(servers.cls, "/v1/classify", { text: texts });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.classifications.map((c: { label: string }) => c.label), want.map((c) => c.label));
  r.json.classifications.forEach((c: { probabilities: Record<string, number> }, i: number) => {
    for (const p of want[i].probabilities) assert.ok(Math.abs(c.probabilities[p.label] - p.probability) < 1e-6);
  });
  const top = await request(servers.cls, "/v1/classify", { text: "No!", top: 1 });
  assert.deepEqual(Object.keys(top.json.classifications[0].probabilities), [want[1].label]);
});

test("a route of another architecture is a 404 naming the route that serves this model", async () => {
  const r = await request(servers.s2s, "/v1/generate", { prompt: "x" });
  assert.equal(r.status, 404);
  assert.equal(r.json.error, "this server runs a seq2seq model; /v1/generate needs a decoder_only checkpoint (use /v1/translate)");
  const c = await request(servers.lm, "/v1/classify", { text: "x" });
  assert.equal(c.status, 404);
  assert.match(c.json.error, /decoder_only model; \/v1\/classify needs an encoder_only checkpoint \(use \/v1\/generate\)/);
  assert.equal((await request(servers.cls, "/v1/translate", { text: "x" })).status, 404);
});

test("options are the library's under snake-case names, with its checks, each refusal one line naming the field", async () => {
  const cases: [unknown, number, string | RegExp][] = [
    [{ text: "a", strategy: "sample", top_p: 2 }, 400, "top_p must be in (0, 1], got 2"],
    [{ text: "a", top_p: 0.5 }, 400, 'top_p applies to sampling only, not to strategy "greedy"'],
    [{ text: "a", beam: 0 }, 400, "beam must be an integer ≥ 1, got 0"],
    [{ text: "a", max_new_tokens: "5" }, 400, 'max_new_tokens must be an integer ≥ 1, got "5"'],
    [{ text: "a", temperature: null, strategy: "sample" }, 400, "temperature must be a number > 0, got null"],
    [{ text: "a", strategy: "nucleus" }, 400, /^strategy must be one of greedy, beam, sample/],
    [{ text: "a", beam: 2, stream: true }, 400, '"stream" works with greedy search and sampling, not beam search'],
    [{ text: "a", num_return_sequences: 2, beam: 2 }, 400, /^num_return_sequences is not served/],
    [{ text: "a", topP: 0.5 }, 400, /^unknown field "topP"; expected one of text, ids, stream, strategy, max_new_tokens/],
    [{ text: 5 }, 400, '"text" must be a string or a non-empty array of strings'],
    [{ text: [] }, 400, '"text" must be a string or a non-empty array of strings'],
    [{ text: ["a", 1] }, 400, '"text" must be a string or a non-empty array of strings'],
    [{}, 400, /^"text" is missing/],
    [{ text: "a", ids: "yes" }, 400, '"ids" must be true or false, got "yes"'],
    [[{ text: "a" }], 400, "the body must be a JSON object"],
    [null, 400, "the body must be a JSON object"],
    ['{"text": "a",', 400, /^the body is not valid JSON/],
    ["", 400, /^the body is empty/],
    ["\u0000\uffff", 400, /^the body is not valid JSON/],
  ];
  for (const [body, status, error] of cases) {
    const r = await request(servers.s2s, "/v1/translate", typeof body === "string" ? body : JSON.stringify(body));
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(typeof r.json.error, "string");
    assert.ok(!r.json.error.includes("\n"), r.json.error);
    if (typeof error === "string") assert.equal(r.json.error, error);
    else assert.match(r.json.error, error);
  }
  const top = await request(servers.cls, "/v1/classify", { text: "a", top: 0 });
  assert.deepEqual([top.status, top.json.error], [400, "top must be an integer ≥ 1, got 0"]);
  const lmBad = await request(servers.lm, "/v1/generate", { prompt: "a", strategy: "greedy", seed: 1 });
  assert.deepEqual([lmBad.status, lmBad.json.error], [400, 'seed applies to sampling only, not to strategy "greedy"']);
});

test("GET /healthz, unknown routes and methods, and /metrics counting requests by route and status", async () => {
  const h = await request(servers.s2s, "/healthz");
  assert.deepEqual([h.status, h.json], [200, { status: "ok", architecture: "seq2seq" }]);
  const nf = await request(servers.s2s, "/nope");
  assert.equal(nf.status, 404);
  assert.match(nf.json.error, /^no route GET \/nope; the routes are/);
  const m = await request(servers.s2s, "/v1/translate");
  assert.deepEqual([m.status, m.headers.get("allow")], [405, "POST"]);
  const before = (await request(servers.s2s, "/metrics")).text;
  await request(servers.s2s, "/v1/translate", { text: "Jesus wept." });
  await request(servers.s2s, "/v1/translate", { text: 1 });
  const after = await request(servers.s2s, "/metrics");
  assert.match(after.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const count = (text: string, status: number) => metric(text, `transformer_requests_total{route="/v1/translate",status="${status}"}`) ?? 0;
  assert.equal(count(after.text, 200), count(before, 200) + 1);
  assert.equal(count(after.text, 400), count(before, 400) + 1);
  assert.equal(metric(after.text, 'transformer_requests_total{route="other",status="404"}'), 1, "unknown paths share one series");
  assert.ok((metric(after.text, 'transformer_request_duration_seconds_count{route="/v1/translate"}') ?? 0) >= 2);
  assert.ok((metric(after.text, "transformer_generated_tokens_total") ?? 0) > (metric(before, "transformer_generated_tokens_total") ?? 0));
  assert.equal(metric(after.text, "transformer_queue_depth"), 0);
  assert.ok(metric(after.text, "transformer_batch_size_count")! >= 1);
});

test("POST /v1/generate: a prompt over max_len keeps its last max_len tokens (bos + prompt), reported as truncated", async () => {
  const prompt = Array.from({ length: 12 }, (_, i) => `verse ${i}: In the beginning God created the heaven and the earth.`).join(" ");
  const ids = lm.srcTokenizer.encode(prompt, { addBos: true });
  const cut = ids.length - lm.config.max_len;
  assert.ok(cut > 0);
  const cfg = { strategy: "sample" as const, seed: 1 };
  const last = generate(lm.model as GenerativeModel, [ids.slice(cut)], cfg).results[0][0].tokens;
  const first = generate(lm.model as GenerativeModel, [ids.slice(0, lm.config.max_len)], cfg).results[0][0].tokens;
  assert.notDeepEqual(last, first, "the test tells the two ends apart");
  const r = await request(servers.lm, "/v1/generate", { prompt, seed: 1, ids: true });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.truncated_tokens, [cut]);
  assert.deepEqual(r.json.finish, ["max_len"]);
  assert.deepEqual(r.json.ids, [last]);
});
