import { toHost } from "../backend/index.js";
import { TransformerError } from "../errors.js";
import type { Adam } from "../train/optimizer.js";
import type { StepResult } from "../train/step.js";
import type { RunOptions } from "./options.js";

/** A run stopped because its loss, gradient norm or weights stopped being finite numbers. */
export class DivergenceError extends TransformerError {}

/** `kept`: what the run folder still holds. Then what to try (the learning rate is fixed once a run has started). */
function advice(o: RunOptions, kept: string): string {
  const rate = o.schedule === "noam" ? `--lr-factor (now ${o.lrFactor})` : `--lr (now ${o.lr})`;
  return `; ${kept}. Try a lower ${rate} in a new run (--overwrite), or a lower --clip (now ${o.clip}) with --resume ${o.out}`;
}

/** Refuses a step whose loss or gradient norm is not finite, before its update is applied. */
export function checkStep(step: number, r: StepResult, o: RunOptions, kept: string): void {
  if (Number.isFinite(r.loss) && Number.isFinite(r.gradNorm)) return;
  throw new DivergenceError(`step ${step}: training diverged (loss ${r.loss}, gradient norm ${r.gradNorm}); stopped before this update${advice(o, kept)}`);
}

/** Refuses an evaluation whose loss is not finite: the model is no longer one to keep, let alone as the best. */
export function checkValidation(step: number, loss: number, o: RunOptions, kept: string): void {
  if (!Number.isFinite(loss)) throw new DivergenceError(`step ${step}: training diverged (validation loss ${loss}); not saved${advice(o, kept)}`);
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Refuses to save weights or moments that are not finite (an update too large for float32): a checkpoint never holds one. */
export function checkWeights(step: number, opt: Adam, o: RunOptions, kept: string): void {
  for (const [name, p] of opt.params) {
    const s = opt.slots.get(name)!;
    toHost(s.m); // the moments live where the optimizer's kernels run
    toHost(s.v);
    for (const [what, a] of [["weight", p.data], ["Adam's first moment of", s.m], ["Adam's second moment of", s.v]] as const) {
      const i = firstNonFinite(a);
      if (i >= 0) throw new DivergenceError(`step ${step}: training diverged (${what} ${name} holds ${a[i]} at ${i}); not saved${advice(o, kept)}`);
    }
  }
}
