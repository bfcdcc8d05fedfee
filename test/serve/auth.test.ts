import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OptionError } from "../../src/errors.js";
import { readApiKeyFile } from "../../src/serve/index.js";
import { demoParts, request, serve } from "./helpers.js";

const KEY = "s3cret-Key-0123456789";
const server = await serve(demoParts(), { apiKey: KEY });
after(() => server.close());

test("--api-key-file: the model routes and /metrics need Authorization: Bearer <key> (401 otherwise); /healthz does not", async () => {
  const body = { text: "Jesus wept." };
  for (const headers of <Record<string, string>[]>[{}, { Authorization: "Bearer wrong" }, { Authorization: `Bearer ${KEY}x` }, { Authorization: KEY }, { Authorization: `Basic ${KEY}` }, { Authorization: `Bearer ${KEY.slice(0, -1)}` }]) {
    const r = await request(server, "/v1/translate", body, headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.headers.get("www-authenticate"), "Bearer");
    assert.ok(!r.text.includes(KEY));
    assert.equal((await request(server, "/metrics", undefined, headers)).status, 401);
  }
  const ok = await request(server, "/v1/translate", body, { Authorization: `Bearer ${KEY}` });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await request(server, "/healthz")).status, 200);
  const metrics = await request(server, "/metrics", undefined, { Authorization: `bearer ${KEY}` });
  assert.equal(metrics.status, 200);
  assert.ok(!metrics.text.includes(KEY), "the key is not in the metrics");
  assert.match(metrics.text, /route="\/v1\/translate",status="401"/);
});

test("readApiKeyFile: the key without white space around it; an empty or missing file is one OptionError", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-"));
  fs.writeFileSync(path.join(dir, "key"), `  ${KEY}\n`);
  assert.equal(readApiKeyFile(path.join(dir, "key")), KEY);
  fs.writeFileSync(path.join(dir, "empty"), "\n");
  assert.throws(() => readApiKeyFile(path.join(dir, "empty")), (e: unknown) => e instanceof OptionError && e.key === "apiKeyFile" && /is empty/.test(e.message));
  assert.throws(() => readApiKeyFile(path.join(dir, "none")), (e: unknown) => e instanceof OptionError && /cannot be read \(ENOENT\)/.test(e.message));
});
