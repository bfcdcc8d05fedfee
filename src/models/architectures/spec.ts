/**
 * An architecture's network half (its data and doors are the other half, src/architectures/): the config.json
 * keys it adds to the shared ones and their defaults, how its model is built, the state dict that model has,
 * the batch it trains on and its loss, and how it decodes. One module per architecture, listed in registry.ts.
 * Browser-safe, as models/ is.
 */
import type { Rng, Tensor } from "../../tensor/index.js";
import type { CommonConfig } from "../config.js";
import type { NamedTensor } from "../safetensors.js";
import type { StepDecoder } from "../step-decoder.js";

/** parseConfig's checks of one key; each fails with one ConfigError naming the file and the key. */
export interface ConfigChecks {
  int(key: string, min: number): number;
  num(key: string, lo: number, hi: number, hiOpen: boolean): number;
  bool(key: string): void;
  oneOf(key: string, options: readonly string[]): void;
  fail(message: string): never;
}

/** One tensor of a state dict: its PyTorch name and shape. */
export type NamedShape = readonly [name: string, shape: readonly number[]];

/** What a preset size (train --preset) sets of an architecture's own keys, with the sizes its data gives. */
export interface PresetSizes {
  layers: number;
  srcVocabSize: number;
  tgtVocabSize: number;
  numClasses?: number;
  labels?: string[];
}

/** A reference case's "inputs" (case.json): rows of ids, or one label per row. */
export type ReferenceInputs = Readonly<Record<string, number[][] | number[]>>;

export interface LossResult {
  logits: Tensor;
  /** The mean loss over `count`. */
  loss: Tensor;
  /** What the mean is over: non-pad target tokens, or examples. Validation weighs batches by it. */
  count: number;
}

/** Where a search starts: a step decoder over the inputs, each row's tokens so far, and its length limit. */
export interface DecodingStart {
  decoder: StepDecoder;
  histories: number[][];
  limits: number[];
}

/** How a generative architecture decodes; generate/ runs greedy, beam and sampling searches over it. */
export interface Decoding<M> {
  /** What an input row is called in messages: a "source" to translate, a "prompt" to continue. */
  readonly input: string;
  /** How to make an empty input valid, said after "<input> i is empty". */
  readonly whenEmpty?: string;
  start(model: M, inputs: readonly (readonly number[])[], maxNewTokens: number | undefined): DecodingStart;
}

/**
 * A checkpoint format of Hugging Face transformers that loads as this architecture: its config.json (which names a
 * model_type, not our architecture) and its tensors, mapped onto our config keys and state dict. Each problem is a
 * `fail` naming the key or tensor: a value the architecture cannot compute, an unknown key, an unexpected tensor.
 */
export interface HuggingFaceFormat<C> {
  /** Our config.json keys (parseConfig then validates them) for transformers' config.json. */
  config(raw: Readonly<Record<string, unknown>>, fail: (message: string) => never): Record<string, unknown>;
  /** Its tensors, named and laid out as transformers saves them, as our state dict. */
  tensors(tensors: ReadonlyMap<string, NamedTensor>, config: C, fail: (message: string) => never): Map<string, NamedTensor>;
  /** The inverse, for a format that is written too (export --format hf); absent where it is only read. */
  readonly write?: HuggingFaceWriter<C>;
}

/** Our config and state dict as transformers' files: what its from_pretrained loads back to the same model. */
export interface HuggingFaceWriter<C> {
  /** transformers' config.json for ours; `fail` names a key or value its model would not compute as ours does. */
  config(config: C, fail: (message: string) => never): Record<string, unknown>;
  /** Our state dict, named and laid out as save_pretrained writes it (a tied weight once). */
  tensors(tensors: ReadonlyMap<string, NamedTensor>, config: C): Map<string, NamedTensor>;
  /** tokenizer_config.json's tokenizer_class (AutoTokenizer reads it). */
  readonly tokenizerClass: string;
}

export interface ModelArchitecture<C extends CommonConfig & { architecture: string }, M, B extends { kind: C["architecture"] }> {
  /** config.json's "architecture". */
  readonly name: C["architecture"];
  /** Its own keys that config.json must give. */
  readonly required: readonly string[];
  /** Its own keys that config.json may leave out, and their values then: a variant is one of these. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * The keys that size its vocabularies: the input's, and the one it predicts tokens of (none for a
   * classifier). A target key of its own means a separate target vocabulary and tokenizer are possible.
   */
  readonly vocab: { readonly source: string; readonly target?: string };
  /** Checks its own keys, after the shared keys and the vocabulary sizes have passed. */
  validate(cfg: Readonly<Record<string, unknown>>, check: ConfigChecks): void;
  /** Its own keys at a preset size, in the order config.json lists them. */
  preset(sizes: PresetSizes): Record<string, unknown>;
  /** The model, with zeroed weights. */
  build(config: C, rng: Rng): M;
  /** Every tensor of the model's state dict (model.safetensors), as PyTorch names it. */
  stateDictShapes(config: C): NamedShape[];
  /** A training batch from a reference case's inputs. */
  referenceBatch(inputs: ReferenceInputs): B;
  /** Forward pass and mean loss of a batch. */
  loss(model: M, batch: B, labelSmoothing: number): LossResult;
  /** How it generates; absent for a model that does not. */
  readonly decoding?: Decoding<M>;
  /** The Hugging Face checkpoints (by config.json's model_type) that load as this architecture. */
  readonly huggingFace?: Readonly<Record<string, HuggingFaceFormat<C>>>;
}

type Vocab = { readonly vocab: { readonly source: string; readonly target?: string } };

/** The target side's vocabulary key when it is its own: then a separate target vocabulary (tokenizer) may be used. */
export function separateTargetKey(a: Vocab): string | undefined {
  return a.vocab.target !== a.vocab.source ? a.vocab.target : undefined;
}

/** The config keys that size an architecture's vocabularies, each once. */
export function vocabSizeKeys(a: Vocab): string[] {
  const target = separateTargetKey(a);
  return target === undefined ? [a.vocab.source] : [a.vocab.source, target];
}
