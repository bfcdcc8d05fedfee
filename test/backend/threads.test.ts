import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { test } from "node:test";
import { OptionError } from "../../src/errors.js";
import { useBackend } from "../../src/backend/select.js";
import { parseThreads, resolveThreads } from "../../src/backend/threads.js";
import { withThreadsEnv } from "./helpers.js";

test("parseThreads takes whole numbers 1..256, as digits or as a number", () => {
  assert.equal(parseThreads("1", "TRANSFORMER_THREADS"), 1);
  assert.equal(parseThreads("16", "TRANSFORMER_THREADS"), 16);
  assert.equal(parseThreads("256", "TRANSFORMER_THREADS"), 256);
  assert.equal(parseThreads(3, "threads"), 3);
});

test("parseThreads refuses anything else with one message naming the variable and the value", () => {
  assert.throws(() => parseThreads("abc", "TRANSFORMER_THREADS"),
    (e: Error) => e instanceof OptionError && e.message === 'TRANSFORMER_THREADS="abc": expected a whole number ≥ 1 (at most 256)');
  // Number() would read each of these as a count
  for (const bad of ["0", "-1", "1.5", "2.0", "0x10", "1e2", " 4", "4 ", "257", "Infinity"]) {
    assert.throws(() => parseThreads(bad, "TRANSFORMER_THREADS"),
      (e: Error) => e instanceof OptionError && e.message.startsWith(`TRANSFORMER_THREADS=${JSON.stringify(bad)}: expected a whole number ≥ 1`), bad);
  }
  for (const bad of [0, -2, 1.5, NaN, 257]) {
    assert.throws(() => parseThreads(bad, "threads"), (e: Error) => e instanceof OptionError && e.message.startsWith(`threads=${bad}: expected`), String(bad));
  }
});

test("resolveThreads: the option, else TRANSFORMER_THREADS, else the number of cores", async () => {
  await withThreadsEnv("3", async () => {
    assert.equal(await resolveThreads(5), 5);
    assert.equal(await resolveThreads(undefined), 3);
    await assert.rejects(resolveThreads(0), /threads=0: expected/);
  });
  assert.equal(await withThreadsEnv("", () => resolveThreads(undefined)), availableParallelism());
  assert.equal(await withThreadsEnv(undefined, () => resolveThreads(undefined)), availableParallelism());
  await withThreadsEnv("many", () =>
    assert.rejects(resolveThreads(undefined), /^OptionError: TRANSFORMER_THREADS="many": expected a whole number ≥ 1/));
});

test("the default backend choice stops at a bad TRANSFORMER_THREADS instead of falling back to the js kernels", async () => {
  await withThreadsEnv("abc", () =>
    assert.rejects(useBackend(undefined), (e: Error) => e instanceof OptionError && e.message.startsWith('TRANSFORMER_THREADS="abc"')));
});
