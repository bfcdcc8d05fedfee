import { OptionError } from "../errors.js";
import { type AnySpec, type TrainOptions, TRAIN_OPTIONS, TRAIN_OPTION_KEYS } from "./option-table.js";

export { type TrainOptions, type ResumeKind, type OptionSpec, type OptionTable, type AnySpec, type ValueType, TRAIN_OPTIONS, TRAIN_OPTION_KEYS } from "./option-table.js";

/** The options a run records in its state: every option resolved, the learning-rate factor included. */
export type RunOptions = TrainOptions & { lrFactor: number };

/**
 * What a caller gives: the options it sets (a key left out, or undefined, is not given), and for a resume the run
 * folder. A new run fills the rest with defaults; a resume restores them from the saved run (TRAIN_OPTIONS' kinds).
 */
export type GivenOptions = Partial<TrainOptions> & { resume?: string };

type Values = Partial<Record<keyof TrainOptions, unknown>>;

/** Every option: `pick`'s value where it has one, else its default. */
function withDefaults(pick: (k: keyof TrainOptions) => unknown): RunOptions {
  const o: Values = {};
  const derived: (keyof TrainOptions)[] = [];
  for (const k of TRAIN_OPTION_KEYS) {
    const d: unknown = TRAIN_OPTIONS[k].default;
    o[k] = pick(k) ?? (typeof d === "function" ? undefined : d);
    if (o[k] === undefined && typeof d === "function") derived.push(k);
  }
  // defaults that depend on other options, once those are known
  for (const k of derived) o[k] = (TRAIN_OPTIONS[k].default as (o: TrainOptions) => unknown)(o as unknown as TrainOptions);
  return o as unknown as RunOptions;
}

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One option's value against its type, choices and check. */
function checkValue(k: keyof TrainOptions, v: unknown): void {
  if (v === undefined) return;
  const spec: AnySpec = TRAIN_OPTIONS[k];
  const wrongType = spec.type === "integer" ? !Number.isInteger(v) ? "an integer" : undefined
    : spec.type === "number" ? typeof v !== "number" || !Number.isFinite(v) ? "a number" : undefined
    : spec.type === "boolean" ? typeof v !== "boolean" ? "true or false" : undefined
    : typeof v !== "string" ? "a string" : undefined;
  if (wrongType) throw new OptionError(k, `must be ${wrongType}, got ${show(v)}`);
  if (spec.choices && !spec.choices.includes(v)) throw new OptionError(k, `must be one of ${spec.choices.join(", ")}, got ${show(v)}`);
  const problem = spec.check?.(v);
  if (problem !== undefined) throw new OptionError(k, problem);
}

/** The checks that involve more than one option, of which one at least can change on resume. */
function checkTogether(o: RunOptions): void {
  if (o.steps === undefined && o.minutes === undefined) throw new OptionError("steps", (n) => `${n("steps")} or ${n("minutes")} is needed (or both)`);
  if (o.schedule === "cosine" && o.steps === undefined) {
    throw new OptionError("schedule", (n) => `${n("schedule")} cosine needs ${n("steps")} (its decay is defined by the total)`);
  }
  if (o.averageLast !== undefined && o.keep < o.averageLast) {
    throw new OptionError("averageLast", (n) => `${n("averageLast")} ${o.averageLast} needs ${n("keep")} ${o.averageLast} or more (it is ${o.keep}): the checkpoints to average must still be there`);
  }
  if (o.averageLast !== undefined && o.steps === undefined) {
    throw new OptionError("averageLast", (n) => `${n("averageLast")} averages at the end of ${n("steps")}; give ${n("steps")}`);
  }
}

/**
 * A new run's fixed options together: a batch must hold the longest example kept, and an option given for another
 * architecture (a value other than its default) is refused rather than ignored. Not checked again on resume: the
 * saved run trained with them, and they cannot change.
 */
function checkFixed(o: RunOptions, given: GivenOptions): void {
  if (o.batchTokens < o.maxLen) {
    throw new OptionError("batchTokens", (n) => `${n("batchTokens")} ${o.batchTokens} is less than ${n("maxLen")} ${o.maxLen}: a batch must hold an example of max_len tokens`);
  }
  if (o.tieEmbeddings && !o.sharedVocab) {
    throw new OptionError("tieEmbeddings", (n) => `${n("tieEmbeddings")} needs one vocabulary for source and target; drop ${n("sharedVocab")}`);
  }
  for (const k of TRAIN_OPTION_KEYS) {
    const { applies, default: d }: AnySpec = TRAIN_OPTIONS[k];
    if (applies && given[k] !== undefined && given[k] !== d && !applies.includes(o.arch)) {
      throw new OptionError(k, `applies to ${applies.join(", ")} only, not to ${o.arch}`);
    }
  }
}

/** A new run's options: what is given, the defaults for the rest, checked. */
export function newRunOptions(given: GivenOptions): RunOptions {
  if (given.data === undefined) throw new OptionError("data", "is required (the training file) unless resuming a run, whose file is the default");
  if (given.out === undefined) throw new OptionError("out", "is required (the run folder to write)");
  const o = withDefaults((k) => given[k]);
  for (const k of TRAIN_OPTION_KEYS) checkValue(k, o[k]);
  checkTogether(o);
  checkFixed(o, given);
  return o;
}

/**
 * A resumed run's options, by kind: fixed ones as saved (a different value given is refused), kept ones as given
 * or else as saved, sitting ones as given or else their defaults (`out`: the resumed folder). An option the saved
 * run lacks (saved before the option existed) is taken at its default. Only what can change is checked again.
 */
export function resumedRunOptions(saved: Partial<RunOptions>, given: GivenOptions): RunOptions {
  const before = withDefaults((k) => saved[k]);
  const o = withDefaults((k) => {
    switch (TRAIN_OPTIONS[k].kind) {
      case "fixed":
        if (given[k] !== undefined && given[k] !== before[k]) {
          throw new OptionError(k, typeof before[k] === "boolean"
            ? "differs from the resumed run's setting; a resumed run keeps its model and data options"
            : `${show(given[k])} differs from the resumed run's ${show(before[k])}; a resumed run keeps its model and data options`);
        }
        return before[k];
      case "kept":
        return given[k] ?? before[k];
      case "sitting":
        return k === "out" ? given.out ?? given.resume : given[k];
    }
  });
  for (const k of TRAIN_OPTION_KEYS) if (TRAIN_OPTIONS[k].kind !== "fixed") checkValue(k, o[k]);
  checkTogether(o);
  return o;
}
