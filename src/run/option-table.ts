import * as fs from "node:fs";
import type { OnBadRow } from "../data/index.js";
import { ARCHITECTURES, type Architecture } from "../models/index.js";
import { MAX_VOCAB_SIZE } from "../tokenizer/merge-table.js";
import { SPECIAL_TOKENS } from "../tokenizer/index.js";
import { PRESETS, presetLrFactor } from "../train/presets.js";

/** Options of a training run. Each one's meaning, default, check and kind on resume: TRAIN_OPTIONS. */
export interface TrainOptions {
  arch: Architecture;
  data: string;
  valid?: string;
  out: string;
  preset: string;
  steps?: number;
  minutes?: number;
  seed: number;
  vocabSize: number;
  sharedVocab: boolean;
  tieEmbeddings: boolean;
  maxLen: number;
  batchTokens: number;
  accum: number;
  dropout: number;
  labelSmoothing: number;
  schedule: "noam" | "cosine";
  warmup: number;
  lrFactor?: number;
  lr: number;
  clip: number;
  weightDecay: number;
  logEvery: number;
  evalEvery: number;
  saveEvery: number;
  keep: number;
  averageLast?: number;
  validBatches: number;
  srcCol: string;
  tgtCol: string;
  textCol: string;
  labelCol: string;
  onBadRow: OnBadRow;
  initFrom?: string;
}

/**
 * What a resumed run does with an option:
 * - fixed: it shapes the model, its data or its schedule; the run keeps its value, and a different one is refused;
 * - kept: restored from the saved run unless given again (then the new value holds from here on, and is saved);
 * - sitting: belongs to one invocation; never restored, its default applies unless given.
 */
export type ResumeKind = "fixed" | "kept" | "sitting";

/** How a value is read: numbers (whole or not), a switch, words, paths of files or folders. */
export type ValueType = "integer" | "number" | "boolean" | "string" | "file" | "dir";
type ValueTypeOf<V> = [V] extends [number] ? "integer" | "number" : [V] extends [boolean] ? "boolean" : "string" | "file" | "dir";

export interface OptionSpec<V> {
  kind: ResumeKind;
  type: ValueTypeOf<NonNullable<V>>;
  /** The value when not given; a function for a default that depends on other options. None: the option is unset. */
  default?: NonNullable<V> | ((o: Readonly<TrainOptions>) => NonNullable<V>);
  /** The only values allowed. */
  choices?: readonly NonNullable<V>[];
  /** What is wrong with a value of the right type (the sentence after the option's name), or undefined. */
  check?(v: NonNullable<V>): string | undefined;
  /** The architectures it means something for; set to anything but its default for another, it is refused. */
  applies?: readonly Architecture[];
  help: string;
}

export type OptionTable<T> = { [K in keyof T]-?: OptionSpec<T[K]> };

/** Any option's spec, as code that handles every option alike reads it. */
export interface AnySpec {
  kind: ResumeKind;
  type: ValueType;
  default?: unknown;
  choices?: readonly unknown[];
  check?(v: unknown): string | undefined;
  applies?: readonly Architecture[];
  help: string;
}

const atLeast = (min: number) => (v: number) => (v >= min ? undefined : `must be at least ${min}, got ${v}`);
const positive = (v: number) => (v > 0 ? undefined : `must be positive, got ${v}`);
const fraction = (v: number) => (v >= 0 && v < 1 ? undefined : `must be in [0, 1), got ${v}`);
const existing = (v: string) => (fs.existsSync(v) ? undefined : `${v}: file not found`);
const nonEmpty = (v: string) => (v !== "" ? undefined : "must not be empty");
const MIN_VOCAB = Object.keys(SPECIAL_TOKENS).length + 256;

/**
 * Every option of a training run: one place to add one. `--resume DIR` restores each saved option by its kind;
 * a run saved before an option existed gets the option's default. The CLI builds `train`'s flags from this table.
 */
export const TRAIN_OPTIONS: OptionTable<TrainOptions> = {
  arch: { kind: "fixed", type: "string", choices: ARCHITECTURES, default: "seq2seq", help: "architecture" },
  data: {
    kind: "kept", type: "file", check: existing,
    help: "training data: TSV with a header row (seq2seq, encoder_only) or text, one example a line (decoder_only); .gz is fine",
  },
  valid: { kind: "kept", type: "file", check: existing, help: "validation data, same format" },
  out: {
    kind: "sitting", type: "dir",
    help: "run folder: latest checkpoint, checkpoints/, best/, metrics.jsonl, loss.svg (a resumed run: the folder it resumes)",
  },
  preset: { kind: "fixed", type: "string", choices: Object.keys(PRESETS), default: "tiny", help: "model size" },
  steps: {
    kind: "kept", type: "integer", check: atLeast(1),
    help: "total optimizer steps of the run, counting those of earlier sittings (a resumed run continues to its own)",
  },
  minutes: { kind: "sitting", type: "number", check: positive, help: "stop after this much training time in this sitting" },
  seed: { kind: "fixed", type: "integer", check: atLeast(0), default: 1, help: "random seed (initialisation, batch order, dropout)" },
  vocabSize: {
    kind: "fixed", type: "integer", default: 8000,
    check: (v) => (v >= MIN_VOCAB && v <= MAX_VOCAB_SIZE ? undefined : `must be in ${MIN_VOCAB}..${MAX_VOCAB_SIZE} (4 specials + 256 bytes + merges), got ${v}`),
    help: "BPE vocabulary size (4 specials + 256 bytes + merges)",
  },
  sharedVocab: { kind: "fixed", type: "boolean", default: true, applies: ["seq2seq"], help: "one vocabulary for source and target (seq2seq)" },
  tieEmbeddings: {
    kind: "fixed", type: "boolean", default: false, applies: ["seq2seq", "decoder_only"],
    help: "one matrix for the embeddings and the pre-softmax projection (paper §3.4; seq2seq needs the shared vocabulary)",
  },
  maxLen: { kind: "fixed", type: "integer", check: atLeast(2), default: 128, help: "model max_len; longer examples are dropped (and counted)" },
  batchTokens: {
    kind: "fixed", type: "integer", check: atLeast(1), default: 4096,
    help: "padded tokens per batch on each side (source, target), as the paper and fairseq count",
  },
  accum: { kind: "fixed", type: "integer", check: atLeast(1), default: 1, help: "batches per optimizer step (gradient accumulation)" },
  dropout: { kind: "fixed", type: "number", check: fraction, default: 0.1, help: "dropout probability" },
  labelSmoothing: { kind: "fixed", type: "number", check: fraction, default: 0.1, help: "label smoothing" },
  schedule: { kind: "fixed", type: "string", choices: ["noam", "cosine"], default: "noam", help: "learning-rate schedule" },
  warmup: { kind: "fixed", type: "integer", check: atLeast(1), default: 400, help: "warm-up steps" },
  lrFactor: {
    kind: "fixed", type: "number", check: positive, default: (o) => presetLrFactor(o.preset),
    help: "noam: lr = f · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5) (default per preset: tiny 1, small 0.5, base 0.25)",
  },
  lr: { kind: "fixed", type: "number", check: positive, default: 1e-3, help: "cosine: peak learning rate" },
  clip: { kind: "kept", type: "number", check: positive, default: 1, help: "global gradient-norm clipping" },
  weightDecay: { kind: "fixed", type: "number", check: atLeast(0), default: 0, help: "AdamW weight decay (0: plain Adam)" },
  logEvery: { kind: "kept", type: "integer", check: atLeast(1), default: 10, help: "steps between metric lines" },
  evalEvery: { kind: "kept", type: "integer", check: atLeast(1), default: 200, help: "steps between validation runs" },
  saveEvery: { kind: "kept", type: "integer", check: atLeast(1), default: 200, help: "steps between checkpoints" },
  keep: { kind: "kept", type: "integer", check: atLeast(1), default: 3, help: "earlier checkpoints kept under checkpoints/" },
  averageLast: {
    kind: "kept", type: "integer", check: atLeast(2),
    help: "when the run reaches --steps, average its last K checkpoints into averaged/ (paper §6.1: K = 5); needs --keep ≥ K",
  },
  validBatches: { kind: "kept", type: "integer", check: atLeast(0), default: 0, help: "validation batches per evaluation (0: all)" },
  srcCol: { kind: "fixed", type: "string", check: nonEmpty, default: "english", applies: ["seq2seq"], help: "source column (seq2seq)" },
  tgtCol: { kind: "fixed", type: "string", check: nonEmpty, default: "spanish", applies: ["seq2seq"], help: "target column (seq2seq)" },
  textCol: { kind: "fixed", type: "string", check: nonEmpty, default: "text", applies: ["encoder_only"], help: "text column (encoder_only)" },
  labelCol: { kind: "fixed", type: "string", check: nonEmpty, default: "label", applies: ["encoder_only"], help: "label column (encoder_only)" },
  onBadRow: {
    kind: "kept", type: "string", choices: ["stop", "skip"], default: "stop",
    help: "a malformed row stops the run, or is skipped and counted",
  },
  initFrom: {
    kind: "fixed", type: "dir",
    help: "start a new run from this Hugging Face folder's weights and tokenizer (GPT-2: text; Marian: pairs; a BERT classifier: labelled text); its config.json gives the model's size",
  },
};

export const TRAIN_OPTION_KEYS = Object.keys(TRAIN_OPTIONS) as (keyof TrainOptions)[];
