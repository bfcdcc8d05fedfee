/** The messages between the page and its two workers (model: translate and inspect; toy: train live). */
import type { Explanation, Inspection as LibraryInspection, NextToken } from "../../src/inspect/index.js";
import type { ModelScores } from "./scores.js";

export type { NextToken };

/**
 * Which kernels the worker runs on: "auto" takes WebGPU on a hardware adapter, else WebAssembly where it loads,
 * else the plain-JS reference; the others are forced (?backend=…), and fail in one line when they cannot start.
 */
export const BACKEND_CHOICES = ["auto", "webgpu", "wasm", "js"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendParams {
  backend: BackendChoice;
  /** Threads of the WebAssembly backend, the worker's own included. */
  threads: number;
}

export interface BackendInfo {
  /** The backend's name: "webgpu", "wasm-relaxed", "wasm-simd" or "js". */
  name: string;
  threads: number;
  /** Why this one (e.g. why WebAssembly did not load). */
  note: string;
  /** webgpu: the adapter's name ("NVIDIA GeForce RTX 4090"); else null. */
  adapter: string | null;
  /** Why "auto" passed WebGPU over (no navigator.gpu, no adapter, a software one, or it failed to start), else null. */
  fallback: string | null;
}

/** A token as the page shows it. */
export interface TokenView {
  id: number;
  /** Readable text of the piece (the library's tokenLabel: a leading space as ▁, a partial character as its BPE spelling). */
  label: string;
}

/** Where a checkpoint comes from: files the user picked, or a folder on the page's server (the shipped model). */
export type CheckpointSource =
  | { kind: "files"; files: File[] }
  | { kind: "url"; base: string; label: string };

/** What the page runs the loaded model for: its architecture, head and tokenizer say which. */
export type ModelTask = "translate" | "generate" | "classify" | "fill-mask";

export interface ModelSummary {
  source: string;
  architecture: string;
  task: ModelTask;
  /** config.json's model_type for a Hugging Face folder ("gpt2", "bert", "marian"), else null. */
  huggingFace: string | null;
  /** classify: the label names, in class-id order (id2label). */
  labels: string[];
  /** fill-mask: the mask token to write in the text. */
  maskToken: string | null;
  dModel: number;
  numHeads: number;
  dFF: number;
  encoderLayers: number;
  decoderLayers: number;
  srcVocab: number;
  tgtVocab: number;
  maxLen: number;
  parameters: number;
  separateTarget: boolean;
  /** Files that were picked but not used. */
  ignored: string[];
  /** The model card's scores (scores.json beside the checkpoint), or null: none, or not readable (scoresError). */
  scores: ModelScores | null;
  scoresError: string | null;
}

export type SearchKind = "greedy" | "beam";

export interface TranslateParams {
  text: string;
  strategy: SearchKind;
  /** Beam width (beam only). */
  numBeams: number;
}

export type TranslateEvent =
  /**
   * The source as the model reads it: `tokens`, at most max_len of the text's `inputTokens` (the rest is cut, as
   * the CLI's translate does, and the page must say so).
   */
  | { type: "source"; tokens: TokenView[]; inputTokens: number; maxLen: number }
  /** Greedy: one more token of the output, and the text it completes. */
  | { type: "token"; token: TokenView; text: string }
  /** Beam: the best live hypothesis after one more step (it can still change). */
  | { type: "beam"; step: number; tokens: TokenView[]; text: string };

export interface TranslateResult {
  srcIds: number[];
  outIds: number[];
  tokens: TokenView[];
  text: string;
  finish: string;
  /** The beam search's ranking (Hugging Face folders: transformers' generate()). */
  beamConvention: "gnmt" | "huggingface";
  ms: number;
}

/**
 * Attention weights (every layer and head) and next-token predictions of one source and translation, as the
 * library's inspectSeq2Seq returns them: the decoder reads <s> and the translation (without its final </s>).
 */
export type Inspection = LibraryInspection;

export interface InspectParams {
  /** seq2seq: the source; decoder_only: the prompt. */
  srcIds: number[];
  /** The translation (or continuation) as generated (a final </s> included). */
  outIds: number[];
  /** Softmax temperature of the next-token probabilities. */
  temperature: number;
}

/** Which model the walk follows: the loaded checkpoint, or the notes' toy (src/inspect/toy.ts) trained in the worker. */
export type WalkModel = "loaded" | "toy";

export interface ExplainParams {
  model: WalkModel;
  text: string;
  /** The layer, head and source token to follow (the token is clamped to the sentence's last). */
  layer: number;
  head: number;
  token: number;
  /** The decoder position of the greedy translation to follow (clamped to its last; absent: the library's default). */
  decoderStep?: number;
}

export interface NotesToyParams {
  seed: number;
}

export interface NotesToyProgress {
  step: number;
  loss: number;
}

export interface NotesToyResult {
  steps: number;
  loss: number;
  ms: number;
  /** Each training pair and the trained toy's greedy translation of its English side, as words. */
  pairs: { en: string; es: string; got: string }[];
}

export interface GenerateParams {
  /** The prompt (decoder_only). */
  text: string;
  maxNewTokens: number;
}

export type GenerateEvent =
  /** The prompt as the model reads it. */
  | { type: "prompt"; tokens: TokenView[] }
  /** One more generated token, and the text it completes. */
  | { type: "token"; token: TokenView; text: string };

export interface GenerateResult {
  promptIds: number[];
  outIds: number[];
  tokens: TokenView[];
  text: string;
  finish: string;
  ms: number;
}

export interface ClassifyResult {
  tokens: TokenView[];
  label: string;
  probabilities: { label: string; probability: number }[];
  /** Content tokens cut to fit max_len. */
  truncatedTokens: number;
  /** The encoder's self-attention over the tokens (BERT), or null. */
  inspection: Inspection | null;
}

export interface FillMaskParams {
  text: string;
  topK: number;
}

export interface FillMaskResult {
  tokens: TokenView[];
  /** Per mask of the text, the topK candidates, best first. */
  masks: { id: number; token: string; score: number; sequence: string }[][];
  truncatedTokens: number;
  inspection: Inspection;
}

export interface ModelApi {
  init: { params: BackendParams; event: never; result: BackendInfo };
  load: { params: CheckpointSource; event: never; result: ModelSummary };
  translate: { params: TranslateParams; event: TranslateEvent; result: TranslateResult };
  /** decoder_only: greedy continuation of a prompt, streamed token by token. */
  generate: { params: GenerateParams; event: GenerateEvent; result: GenerateResult };
  /** encoder_only with a classifier head: the label probabilities of one text. */
  classify: { params: { text: string }; event: never; result: ClassifyResult };
  /** encoder_only with a masked-LM head: the most probable tokens at each mask. */
  fillMask: { params: FillMaskParams; event: never; result: FillMaskResult };
  inspect: { params: InspectParams; event: never; result: Inspection };
  /** The next-token lists alone, at another temperature. */
  nextTokens: { params: InspectParams; event: never; result: NextToken[][] };
  /** The library's explainSeq2Seq of one sentence: every number the walk shows. */
  explain: { params: ExplainParams; event: never; result: Explanation };
  /** Trains the notes' toy (replacing the one before). */
  trainNotesToy: { params: NotesToyParams; event: NotesToyProgress; result: NotesToyResult };
}

export type ToyTask = "copy" | "reverse";

export interface ToyParams {
  task: ToyTask;
  /** Symbols in the alphabet (A, B, …). */
  symbols: number;
  minLen: number;
  maxLen: number;
  /** Training time budget. */
  seconds: number;
  batchSize: number;
  seed: number;
}

export interface ToyProgress {
  step: number;
  loss: number;
  lr: number;
  elapsedMs: number;
}

export interface ToyExample {
  input: string;
  expected: string;
  output: string;
  correct: boolean;
}

export interface ToyResult {
  steps: number;
  elapsedMs: number;
  stopped: boolean;
  config: string;
  parameters: number;
  examples: ToyExample[];
  /** Exact-match accuracy over fresh random sequences. */
  accuracy: number;
  tested: number;
  /** Attention of the first example, to see the copy (diagonal) or reversal (anti-diagonal). */
  inspection: Inspection;
}

export interface ToyApi {
  init: { params: BackendParams; event: never; result: BackendInfo };
  train: { params: ToyParams; event: ToyProgress; result: ToyResult };
  stop: { params: null; event: never; result: boolean };
}
