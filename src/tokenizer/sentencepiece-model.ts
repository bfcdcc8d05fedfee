/**
 * A SentencePiece model from the bytes of its file (".model", ".spm": a serialized sentencepiece.ModelProto), read
 * with protobuf.js against sentencepiece-schema.ts, and checked to be a model we encode exactly: a unigram model
 * with whitespace as prefix; anything else is refused by name. Browser-safe (sentencepiece-file.ts reads the file).
 */
import protobuf from "protobufjs";
import { TokenizerError } from "../errors.js";
import { reasonOf } from "../io/json-text.js";
import { SENTENCEPIECE_MODEL_PROTO } from "./sentencepiece-schema.js";
import { SentencePiece } from "./sentencepiece.js";

const MODEL_TYPES: Readonly<Record<number, string>> = { 1: "UNIGRAM", 2: "BPE", 3: "WORD", 4: "CHAR" };

let modelProto: protobuf.Type | undefined;

function modelProtoType(): protobuf.Type {
  modelProto ??= protobuf.parse(SENTENCEPIECE_MODEL_PROTO, { keepCase: true }).root.lookupType("sentencepiece.ModelProto");
  return modelProto;
}

interface RawModel {
  pieces?: { piece?: string; score?: number; type?: number }[];
  trainer_spec?: { model_type?: number; treat_whitespace_as_suffix?: boolean; byte_fallback?: boolean };
  normalizer_spec?: { name?: string; precompiled_charsmap?: Uint8Array; add_dummy_prefix?: boolean; remove_extra_whitespaces?: boolean; escape_whitespaces?: boolean };
  denormalizer_spec?: { precompiled_charsmap?: Uint8Array };
}

/** A SentencePiece model from the bytes of its file; `source` names it in errors. */
export function parseSentencePiece(bytes: Uint8Array, source: string): SentencePiece {
  const type = modelProtoType();
  let raw: RawModel;
  try {
    raw = type.toObject(type.decode(bytes), { defaults: true }) as RawModel;
  } catch (e) {
    throw new TokenizerError(`${source}: not a SentencePiece model file (${reasonOf(e)})`);
  }
  const trainer = raw.trainer_spec ?? {};
  const modelType = trainer.model_type ?? 1;
  if (modelType !== 1) throw new TokenizerError(`${source}: trainer_spec.model_type is ${MODEL_TYPES[modelType] ?? modelType}; only UNIGRAM models are supported`);
  if (trainer.treat_whitespace_as_suffix) throw new TokenizerError(`${source}: trainer_spec.treat_whitespace_as_suffix is true; not supported`);
  if ((raw.denormalizer_spec?.precompiled_charsmap?.length ?? 0) > 0) throw new TokenizerError(`${source}: denormalizer_spec has rules; not supported`);
  const norm = raw.normalizer_spec ?? {};
  const pieces = (raw.pieces ?? []).map((p, i) => {
    if (!p.piece) throw new TokenizerError(`${source}: piece ${i} is empty`);
    return { piece: p.piece, score: p.score ?? 0, type: p.type ?? 1 };
  });
  if (pieces.length === 0) throw new TokenizerError(`${source}: no pieces`);
  return new SentencePiece({
    pieces,
    byteFallback: trainer.byte_fallback ?? false,
    addDummyPrefix: norm.add_dummy_prefix ?? true,
    removeExtraWhitespaces: norm.remove_extra_whitespaces ?? true,
    escapeWhitespaces: norm.escape_whitespaces ?? true,
    charsmap: norm.precompiled_charsmap ?? new Uint8Array(0),
  }, source);
}
