import { test } from "node:test";
import assert from "node:assert/strict";
import { type ProgressEvent, barState, formatDuration, progressLine } from "../../src/cli/progress.js";

const event = (e: Partial<ProgressEvent>): ProgressEvent => ({
  step: 100, totalSteps: null, loss: 3.21, lr: 1.5e-3, tokensPerSecond: 2500.4, etaSeconds: null, elapsedSeconds: 100, ...e,
});

test("--steps alone: the bar counts steps", () => {
  assert.deepEqual(barState(event({ totalSteps: 400, etaSeconds: 300 }), null), { value: 100, total: 400, position: "step 100/400", eta: "5m00s" });
});

test("--minutes alone: the bar fills with the time used of the budget, the ETA is the time left", () => {
  // 6 minutes, 4 left: 2 used
  assert.deepEqual(barState(event({ etaSeconds: 240 }), 360), { value: 120, total: 360, position: "step 100 | 2m00s of 6m00s", eta: "4m00s" });
  // a resumed run: its earlier sittings' time does not count against this sitting's budget
  assert.deepEqual(barState(event({ step: 5000, etaSeconds: 350, elapsedSeconds: 3610 }), 360).value, 10);
});

test("--steps and --minutes: the bar follows whichever ends the sitting first", () => {
  // 1 s a step, 900 steps left: the 4 minutes left of the budget end first
  const byTime = barState(event({ totalSteps: 1000, etaSeconds: 240 }), 360);
  assert.deepEqual([byTime.value, byTime.total, byTime.position, byTime.eta], [120, 360, "step 100 | 2m00s of 6m00s", "4m00s"]);
  // 1 s a step, 50 steps left: the steps end first (the trainer's ETA is theirs, 50 s)
  const bySteps = barState(event({ totalSteps: 150, etaSeconds: 50 }), 3600);
  assert.deepEqual([bySteps.value, bySteps.total, bySteps.position, bySteps.eta], [100, 150, "step 100/150", "50s"]);
  // both end together (within 10%): steps
  assert.equal(barState(event({ totalSteps: 200, etaSeconds: 95 }), 3600).position, "step 100/200");
});

test("plain lines (stderr not a terminal) keep their format", () => {
  assert.equal(progressLine(event({ totalSteps: 400, etaSeconds: 300, elapsedSeconds: 3725 })),
    "step 100/400  loss 3.210  lr 1.50e-3  2,500 tok/s  elapsed 1h02m  eta 5m00s");
  assert.equal(progressLine(event({ etaSeconds: null })), "step 100  loss 3.210  lr 1.50e-3  2,500 tok/s  elapsed 1m40s  eta ?");
  assert.deepEqual([formatDuration(42.4), formatDuration(185), formatDuration(null)], ["42s", "3m05s", "?"]);
});
