/**
 * Reads a SentencePiece model file (".model", ".spm": a serialized sentencepiece.ModelProto) with protobuf.js
 * against the schema beside this module (sentencepiece_model.proto), and checks that it is a model we encode
 * exactly: a unigram model with whitespace as prefix; anything else is refused by name. Node only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { TokenizerError } from "../errors.js";
import { reasonOf } from "../io/json-text.js";
import { SentencePiece } from "./sentencepiece.js";

const SCHEMA_FILE = "sentencepiece_model.proto";
const MODEL_TYPES: Readonly<Record<number, string>> = { 1: "UNIGRAM", 2: "BPE", 3: "WORD", 4: "CHAR" };

let modelProto: protobuf.Type | undefined;

/** The schema beside this module's source: src/tokenizer/ from src/tokenizer/ or from dist/src/tokenizer/. */
function schemaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, SCHEMA_FILE), path.join(dir, "src", "tokenizer", SCHEMA_FILE)]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`sentencepiece-file.ts: ${SCHEMA_FILE} not found above ${here}`);
  }
}

function modelProtoType(): protobuf.Type {
  modelProto ??= protobuf.parse(fs.readFileSync(schemaPath(), "utf8"), { keepCase: true }).root.lookupType("sentencepiece.ModelProto");
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

/** Reads a SentencePiece model file. */
export function loadSentencePiece(file: string): SentencePiece {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new TokenizerError(`${file}: cannot read SentencePiece model (${reasonOf(e)})`);
  }
  return parseSentencePiece(bytes, file);
}
