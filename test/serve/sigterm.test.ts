import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { shippedModelDir } from "../../src/run/index.js";
import { CLI, DEMO, request, streamEvents } from "./helpers.js";

const KEY = "drain-test-key-42";

test("serve CLI: SIGTERM stops accepting, finishes the stream in flight and exits 0; the key is never printed", async () => {
  const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "key-")), "key");
  fs.writeFileSync(keyFile, KEY + "\n");
  const child = spawn(process.execPath, [CLI, "serve", "--checkpoint", DEMO, "--port", "0", "--api-key-file", keyFile], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 120_000);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        stdout += d;
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]);
      });
      void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const auth = { Authorization: `Bearer ${KEY}` };
    const body = { text: "In the beginning God created the heavens and the earth.", ids: true };
    const plain = await request(url, "/v1/translate", body, auth);
    assert.equal(plain.status, 200, plain.text);
    let signalled = false;
    const events = await streamEvents(url + "/v1/translate", { ...body, stream: true }, () => {
      if (!signalled) {
        signalled = true; // the stream is in flight: its first token has arrived
        child.kill("SIGTERM");
      }
    }, auth);
    assert.ok(signalled);
    const done = events.at(-1)!;
    assert.equal(done.event, "done");
    assert.deepEqual(done.data, plain.json, "the stream in flight ran to its end");
    assert.equal(await exited, 0, stderr);
    await assert.rejects(request(url, "/healthz"), "no longer accepting");
    assert.match(stdout, /draining/);
    assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY));
  } finally {
    clearTimeout(watchdog);
    child.kill("SIGKILL");
  }
});

test("serve CLI: bad flags and files are one line, before anything listens", async () => {
  const { spawnSync } = await import("node:child_process");
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, "serve", ...args], { encoding: "utf8", timeout: 60_000 });
  // without --checkpoint it serves the shipped model; where that is not installed, it says so in one line
  if (!fs.existsSync(path.join(shippedModelDir(), "config.json"))) {
    const noCkpt = run([]);
    assert.equal(noCkpt.status, 1);
    assert.match(noCkpt.stderr, /^transformer: serve needs --checkpoint DIR: the shipped model is not installed \(.*\)\n$/);
  }
  const badLimit = run(["--checkpoint", DEMO, "--max-queue", "0"]);
  assert.deepEqual([badLimit.status, badLimit.stderr], [1, "transformer: --max-queue must be an integer ≥ 1, got 0\n"]);
  const timeouts = run(["--checkpoint", DEMO, "--headers-timeout-ms", "5000", "--request-timeout-ms", "1000"]);
  assert.deepEqual([timeouts.status, timeouts.stderr], [1, "transformer: --headers-timeout-ms 5000 is longer than --request-timeout-ms 1000\n"]);
  const noKey = run(["--checkpoint", DEMO, "--api-key-file", "/nonexistent/key"]);
  assert.deepEqual([noKey.status, noKey.stderr], [1, "transformer: --api-key-file /nonexistent/key: cannot be read (ENOENT)\n"]);
  const help = run(["--help"]);
  assert.match(help.stdout, /--checkpoint <dir>\s+checkpoint folder: .*default:\s+the shipped\s+English→Spanish model, models\/en-es/s);
});
