import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { greedyDecodeUncached } from "../generate/index.js";
import { type Model, type ReferenceInputs, type Seq2Seq, type TokenBatch, modelArchitecture, tokenBatch } from "../models/index.js";
import { readJsonFile } from "../io/read-json.js";
import { loadCheckpoint } from "../models/checkpoint.js";
import { readSafetensors } from "../models/safetensors-file.js";
import { Adam, type TrainBatch, forwardLoss, noamRate, trainStep } from "../train/index.js";
import { type Comparison, type Tolerance, combine, compare } from "./compare.js";

/** A case folder in the format of shared/reference (config.json, model.safetensors, case.json). */
export interface CaseResult {
  name: string;
  kind: string;
  ok: boolean;
  checks: Comparison[];
}

interface JsonTensor {
  shape: number[];
  data: number[];
}

function rows(x: unknown): number[][] {
  return x as number[][];
}

function toBatch(model: Model, inputs: ReferenceInputs): TrainBatch {
  return modelArchitecture(model.config.architecture).referenceBatch(inputs);
}

function forwardBackward(model: Model, c: Record<string, any>, tol: Tolerance): Comparison[] {
  model.train(); // dropout is 0 in the cases; train mode as in the reference
  const batch = toBatch(model, c.inputs);
  const { logits, loss } = forwardLoss(model, batch, c.loss_fn?.label_smoothing ?? 0);
  const checks = [compare("logits", logits.data, (c.expected.logits as JsonTensor).data, tol)];
  checks.push(compare("loss", [loss.item()], [c.expected.loss], tol));
  model.zeroGrad();
  loss.backward();
  const expectedGrads = c.expected.grads as Record<string, JsonTensor>;
  const params = new Map(model.namedParameters());
  const gradChecks: Comparison[] = [];
  for (const [name, g] of Object.entries(expectedGrads)) {
    const p = params.get(name);
    if (!p) {
      gradChecks.push({ what: name, maxAbs: Infinity, maxRel: Infinity, ok: false, worst: "no such parameter" });
      continue;
    }
    gradChecks.push(compare(name, p.grad ?? new Float32Array(p.size), g.data, tol));
  }
  for (const name of params.keys()) {
    if (!(name in expectedGrads)) gradChecks.push({ what: name, maxAbs: Infinity, maxRel: Infinity, ok: false, worst: "parameter has no expected gradient" });
  }
  checks.push(combine(`grads (${gradChecks.length} tensors)`, gradChecks));
  return checks;
}

function train(model: Model, c: Record<string, any>, dir: string, tol: Tolerance): Comparison[] {
  model.train();
  const opt = c.optimizer;
  const name = String(opt.name);
  if (name !== "adam" && name !== "adamw") throw new CheckpointError(`${dir}/case.json: unsupported optimizer "${name}"`);
  if (c.schedule.name !== "noam") throw new CheckpointError(`${dir}/case.json: unsupported schedule "${c.schedule.name}"`);
  const adam = new Adam(model.namedParameters(), {
    lr: 0, betas: opt.betas, eps: opt.eps, weightDecay: opt.weight_decay, decoupled: name === "adamw",
  });
  const losses: number[] = [];
  const lrs: number[] = [];
  const norms: number[] = [];
  (c.batches as ReferenceInputs[]).forEach((inputs, i) => {
    const step = i + 1;
    const lr = noamRate(step, model.config.d_model, c.schedule.factor, c.schedule.warmup);
    const r = trainStep(model, adam, [toBatch(model, inputs)], { labelSmoothing: c.loss_fn?.label_smoothing ?? 0, clip: c.clip_grad_norm ?? Infinity, lr });
    norms.push(r.gradNorm);
    lrs.push(lr);
    losses.push(r.loss);
  });
  const checks = [
    compare("losses", losses, c.expected.losses, tol),
    compare("learning_rates", lrs, c.expected.learning_rates, tol),
    compare("grad_norms", norms, c.expected.grad_norms_before_clip, tol),
  ];
  const final = readSafetensors(path.join(dir, c.expected.final_weights)).tensors;
  const exclude = (c.expected.final_weights_exclude ?? []) as Array<{ name: string; start: number; end: number }>;
  const weightChecks: Comparison[] = [];
  // every name, as state_dict() writes them: each copy of a tied weight must have moved as the one tensor did
  for (const [pname, p] of model.namedParameters({ withAliases: true })) {
    const expected = final.get(pname);
    if (!expected) {
      weightChecks.push({ what: pname, maxAbs: Infinity, maxRel: Infinity, ok: false, worst: "missing in final weights" });
      continue;
    }
    // the excluded ranges (the key slice of in_proj_bias) are copied over so they compare equal
    const actual = Float32Array.from(p.data);
    for (const ex of exclude) if (ex.name === pname) actual.set(expected.data.subarray(ex.start, ex.end), ex.start);
    weightChecks.push(compare(pname, actual, expected.data, tol));
  }
  checks.push(combine(`final weights (${weightChecks.length} tensors)`, weightChecks));
  return checks;
}

function greedy(model: Model, c: Record<string, any>): Comparison[] {
  if (model.config.architecture !== "seq2seq") throw new Error("greedy cases are for seq2seq models");
  const src: TokenBatch = tokenBatch(rows(c.inputs.src));
  const tokens = greedyDecodeUncached(model as Seq2Seq, src, c.max_new_tokens);
  const expected = c.expected.tokens as number[][];
  let mismatches = 0;
  let worst: string | undefined;
  expected.forEach((row, b) => {
    const got = tokens[b] ?? [];
    const n = Math.max(row.length, got.length);
    for (let i = 0; i < n; i++) {
      if (got[i] !== row[i]) {
        mismatches++;
        worst ??= `row ${b} position ${i}: ${got[i]} vs ${row[i]} (got [${got.join(" ")}], expected [${row.join(" ")}])`;
      }
    }
  });
  return [{ what: "tokens", maxAbs: mismatches, maxRel: 0, ok: mismatches === 0, worst }];
}

/** Runs one case folder and compares everything it records. */
export function runCase(dir: string): CaseResult {
  const caseFile = path.join(dir, "case.json");
  if (!fs.existsSync(caseFile)) throw new CheckpointError(`${caseFile}: missing (a case folder holds config.json, model.safetensors and case.json)`);
  const c = readJsonFile(caseFile, CheckpointError) as Record<string, any>;
  const tol: Tolerance = c.tolerance ?? { atol: 1e-4, rtol: 1e-3 };
  const { model } = loadCheckpoint(dir);
  let checks: Comparison[];
  switch (c.kind) {
    case "forward_backward":
      checks = forwardBackward(model, c, tol);
      break;
    case "train":
      checks = train(model, c, dir, tol);
      break;
    case "greedy":
      checks = greedy(model, c);
      break;
    default:
      throw new CheckpointError(`${caseFile}: unknown case kind ${JSON.stringify(c.kind)} (expected forward_backward, train or greedy)`);
  }
  return { name: c.name ?? path.basename(dir), kind: c.kind, ok: checks.every((x) => x.ok), checks };
}

/** One line per case: name, verdict, and the largest errors of each compared quantity. */
export function formatResult(r: CaseResult): string {
  const parts = r.checks.map((x) =>
    x.what === "tokens"
      ? `tokens ${x.ok ? "match" : `${x.maxAbs} mismatches (${x.worst})`}`
      : `${x.what} abs ${x.maxAbs.toExponential(2)} rel ${x.maxRel.toExponential(2)}${x.ok ? "" : ` FAIL at ${x.worst}`}`,
  );
  return `${r.ok ? "ok  " : "FAIL"} ${r.name} [${r.kind}] ${parts.join("; ")}`;
}
