/**
 * A server killed under load and replaced on its port: no client request hangs. Every request either succeeds
 * or fails with a connection error (refused, reset) well within its deadline, and the new server answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startClients } from "../../src/bench/load-client.js";
import { type ServeChild, startServeChild } from "../../src/bench/serve-child.js";
import { DEMO, request } from "./helpers.js";

const DEADLINE_MS = 10_000;

/** Resolves once `check` holds, polling; rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("serve: SIGKILL under load and a new server on the same port; every request succeeds or fails with a connection error, none hangs", async () => {
  const first = await startServeChild(DEMO);
  let second: ServeChild | undefined;
  const texts = ["Jesus wept.", "God is love.", "In the beginning God created the heavens and the earth."];
  const clients = startClients({ url: first.url + "/v1/translate", connections: 4, body: (i) => JSON.stringify({ text: texts[i % texts.length] }), deadlineMs: DEADLINE_MS });
  try {
    await until(() => clients.outcomes.filter((o) => o.kind === "ok").length >= 8, 60_000, "answers from the first server");
    await first.kill();
    const exitedAt = performance.now();
    second = await startServeChild(DEMO, { port: first.port });
    assert.equal(second.url, first.url);
    const fromNew = () => clients.outcomes.filter((o) => o.kind === "ok" && o.at > exitedAt).length;
    await until(() => fromNew() >= 8, 60_000, "answers from the new server");
    const outcomes = await clients.stop();

    const unexpected = outcomes.filter((o) => !["ok", "refused", "reset"].includes(o.kind));
    assert.deepEqual(unexpected, [], "every request succeeded or failed with a connection error");
    const failed = outcomes.filter((o) => o.kind !== "ok");
    assert.ok(failed.length > 0, "the clients saw the kill");
    // a connection error comes at once, not at the deadline
    for (const o of failed) assert.ok(o.at - o.sentAt < DEADLINE_MS / 2, `a ${o.kind} took ${Math.round(o.at - o.sentAt)} ms`);

    const health = await request(second.url, "/healthz");
    assert.equal(health.status, 200);
    assert.equal(health.json.status, "ok");
    const t = await request(second.url, "/v1/translate", { text: "Jesus wept." });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.translations.length, 1);
    assert.ok(t.json.translations[0].length > 0);
  } finally {
    await clients.stop();
    await first.kill();
    await second?.stop();
  }
});
