import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { demoParts, request, serve } from "./helpers.js";

const s2s = demoParts();

/** Sends raw bytes and resolves with everything the server sent back before it closed the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let got = "";
    socket.setTimeout(20_000, () => socket.destroy(new Error("the server never closed the connection")));
    socket.on("data", (d) => (got += d.toString()));
    socket.on("close", () => resolve(got));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

test("413: a declared body over --max-body-bytes is refused before it is read", async () => {
  const server = await serve(s2s, { maxBodyBytes: 1000 });
  after(() => server.close());
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(server.url + "/v1/translate", { method: "POST", headers: { "Content-Length": "5000000" } });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode!);
      req.destroy();
    });
    req.on("error", reject);
    req.flushHeaders(); // headers only: the server must answer without the body
  });
  assert.equal(status, 413);
});

test("413: a chunked body that grows past the limit is cut off as soon as it does", async () => {
  const server = await serve(s2s, { maxBodyBytes: 10_000 });
  after(() => server.close());
  const reply = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
    const req = http.request(server.url + "/v1/translate", { method: "POST" });
    let sent = 0;
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        resolve({ status: res.statusCode!, body, sent });
        req.destroy();
      });
    });
    req.on("error", (e) => (answered ? undefined : reject(e)));
    const chunk = '{"text": "' + "a".repeat(4000);
    const pump = () => {
      // at most 100 chunks (400 kB), far past the limit
      while (!answered && sent < 100 && req.write(chunk)) sent++;
      if (!answered && sent < 100) req.once("drain", () => ((sent++), pump()));
    };
    pump();
  });
  assert.equal(reply.status, 413);
  assert.equal(JSON.parse(reply.body).error, "the body is larger than the 10000 bytes a request may send");
});

test("413: more texts in one request than --max-texts", async () => {
  const server = await serve(s2s, { maxTexts: 2 });
  after(() => server.close());
  const r = await request(server, "/v1/translate", { text: ["a", "b", "c"] });
  assert.deepEqual([r.status, r.json.error], [413, '"text" has 3 texts, more than the 2 a request may hold']);
});

test("413: a request larger than one batch (longest text × texts × beam over --max-batch-tokens)", async () => {
  const server = await serve(s2s, { maxBatchTokens: 40 });
  after(() => server.close());
  const text = "In the beginning God created the heavens and the earth."; // 2 × its tokens fit, 2 × 2 beams do not
  const n = s2s.srcTokenizer.encode(text).length;
  assert.equal((await request(server, "/v1/translate", { text: [text, text] })).status, 200);
  const r = await request(server, "/v1/translate", { text: [text, text], beam: 2 });
  assert.deepEqual([r.status, r.json.error], [413, `the request needs ${n * 4} padded tokens (longest text × texts × beam), more than the 40 of a batch; send fewer texts or a smaller beam`]);
});

test("503 with Retry-After when the queue is full; a client that goes away leaves the queue", async () => {
  // a batch that never fills and a long wait: the first request stays queued until its client gives up
  const server = await serve(s2s, { maxQueue: 1, maxWaitMs: 60_000, maxBatchTokens: 1_000_000 });
  after(() => server.close());
  const gone = new AbortController();
  const first = fetch(server.url + "/v1/translate", { method: "POST", body: '{"text": "Jesus wept."}', signal: gone.signal }).catch((e: Error) => e.name);
  for (let i = 0; i < 100; i++) { // until the first is queued
    const m = (await request(server, "/metrics")).text;
    if (/^transformer_queue_depth 1$/m.test(m)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const busy = await request(server, "/v1/translate", { text: "God is love." });
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get("retry-after"), "1");
  assert.match(busy.json.error, /busy \(1 requests queued\)/);
  gone.abort();
  assert.equal(await first, "AbortError");
  for (let i = 0; i < 100; i++) {
    if (/^transformer_queue_depth 0$/m.test((await request(server, "/metrics")).text)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match((await request(server, "/metrics")).text, /^transformer_queue_depth 0$/m);
});

test("504: a request still queued at its deadline", async () => {
  const server = await serve(s2s, { deadlineMs: 1, maxWaitMs: 60_000, maxBatchTokens: 1_000_000 });
  after(() => server.close());
  const r = await request(server, "/v1/translate", { text: "Jesus wept." });
  assert.deepEqual([r.status, r.json.error], [504, "the request was not answered within its deadline of 1 ms"]);
});

test("408: a client that does not finish its headers in time is cut off", async () => {
  // the request timeout is far beyond the socket's wait: only the headers timeout can end this
  const server = await serve(s2s, { headersTimeoutMs: 200, requestTimeoutMs: 120_000 });
  after(() => server.close());
  assert.match(await raw(server.port, "POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\n"), /^HTTP\/1\.1 408/);
});

test("408: a client that does not finish its body in time is cut off", async () => {
  const server = await serve(s2s, { headersTimeoutMs: 200, requestTimeoutMs: 400 });
  after(() => server.close());
  assert.match(await raw(server.port, "POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"text\":"), /^HTTP\/1\.1 408/);
});

test("nothing a client sends gives a 500 or a stack trace", async () => {
  const server = await serve(s2s);
  after(() => server.close());
  const bodies = [
    "[]", "0", '"text"', "true", '{"text": {"a": 1}}', '{"text": "a", "beam": 1e309}', '{"text": "a", "beam": 2.5}', '{"text": "a", "seed": -1, "strategy": "sample"}',
    '{"text": "a", "max_new_tokens": 1e9}', '{"text": "a", "length_penalty": "x", "beam": 2}', '{"__proto__": {"x": 1}, "text": "a"}', '{"constructor": 1, "text": "a"}',
    "[".repeat(5000) + "]".repeat(5000), '{"text": "\\ud800"}', '{"text": "' + "\u{1F600}".repeat(500) + '"}',
  ];
  for (const body of bodies) {
    const r = await request(server, "/v1/translate", body);
    assert.ok(r.status < 500, `${body.slice(0, 60)}: ${r.status} ${r.text}`);
    assert.ok(!/\n\s+at /.test(r.text) && !r.text.includes(".js:"), r.text);
  }
});
