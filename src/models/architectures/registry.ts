/**
 * The architectures, by the name config.json gives them: a new one is its module and a line in REGISTERED
 * (and one in src/architectures/registry.ts, which the compiler asks for). The unions the rest of the code
 * narrows (ModelConfig, Model, TrainBatch) are read off the modules.
 */
import type { Rng } from "../../tensor/index.js";
import { decoderOnly } from "./decoder-only.js";
import { encoderOnly } from "./encoder-only.js";
import { seq2seq } from "./seq2seq.js";
import type { HuggingFaceFormat, ModelArchitecture } from "./spec.js";

const REGISTERED = [seq2seq, decoderOnly, encoderOnly] as const;

type Registered = (typeof REGISTERED)[number];
type ConfigOf<A> = A extends { build(config: infer C, rng: Rng): unknown } ? C : never;
type ModelOf<A> = A extends { build(config: never, rng: Rng): infer M } ? M : never;
type BatchOf<A> = A extends { loss(model: never, batch: infer B, labelSmoothing: number): unknown } ? B : never;

/** config.json's "architecture". */
export type Architecture = Registered["name"];
export type ModelConfig = ConfigOf<Registered>;
export type Model = ModelOf<Registered>;
/** One batch for any architecture: what teacher forcing feeds in, and what the model must predict. */
export type TrainBatch = BatchOf<Registered>;
/** A model that generates: one whose architecture has a decoding (seq2seq translates, decoder_only continues). */
export type GenerativeModel = ModelOf<Extract<Registered, { decoding: object }>>;
/** An architecture module as code that serves them all sees it. */
export type AnyArchitecture = ModelArchitecture<ModelConfig, Model, TrainBatch>;

export const ARCHITECTURES: readonly Architecture[] = REGISTERED.map((a) => a.name);

// the compiler checks here that every module passes as AnyArchitecture
const BY_NAME = new Map<string, AnyArchitecture>(REGISTERED.map((a) => [a.name, a]));

/** The module of an architecture (a config's name has passed parseConfig, or the compiler). */
export function modelArchitecture(name: Architecture): AnyArchitecture {
  const a = BY_NAME.get(name);
  if (!a) throw new Error(`no architecture "${name}" is registered`);
  return a;
}

/** The size of the vocabulary a model predicts tokens of; undefined for a classifier. */
export function targetVocabSize(config: ModelConfig): number | undefined {
  const key = modelArchitecture(config.architecture).vocab.target;
  return key === undefined ? undefined : (config as unknown as Record<string, number>)[key];
}

/** The Hugging Face model types (config.json's model_type) that load, each as the architecture that lists it. */
const HUGGING_FACE = new Map<string, { architecture: AnyArchitecture; format: HuggingFaceFormat<ModelConfig> }>(
  [...BY_NAME.values()].flatMap((a) => Object.entries(a.huggingFace ?? {}).map(([type, format]) => [type, { architecture: a, format }] as const)),
);

export const HUGGING_FACE_MODEL_TYPES: readonly string[] = [...HUGGING_FACE.keys()];

/** The architecture and format a Hugging Face model_type loads as; undefined for one that does not load. */
export function huggingFaceFormat(modelType: string): { architecture: AnyArchitecture; format: HuggingFaceFormat<ModelConfig> } | undefined {
  return HUGGING_FACE.get(modelType);
}
