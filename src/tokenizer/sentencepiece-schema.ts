/**
 * The parts of SentencePiece's model file (a serialized sentencepiece.ModelProto, ".model" / ".spm") that our
 * reader uses, as protobuf schema text: a module rather than a .proto file beside the sources, so that the page's
 * bundle carries it too. Browser-safe.
 */
export const SENTENCEPIECE_MODEL_PROTO = String.raw`// The parts of SentencePiece's model file (a serialized sentencepiece.ModelProto, ".model" / ".spm") that our
// reader uses, with the field numbers and types of the wire format; protobuf skips the fields left out here.
// Written for this project from SentencePiece's documented format (Apache-2.0 schema, google/sentencepiece).
syntax = "proto2";

package sentencepiece;

message TrainerSpec {
  enum ModelType {
    UNIGRAM = 1;
    BPE = 2;
    WORD = 3;
    CHAR = 4;
  }
  optional ModelType model_type = 3 [default = UNIGRAM];
  optional int32 vocab_size = 4;
  optional bool treat_whitespace_as_suffix = 24 [default = false];
  optional bool split_digits = 25 [default = false];
  optional bool byte_fallback = 35 [default = false];
  optional int32 unk_id = 40 [default = 0];
  optional int32 bos_id = 41 [default = 1];
  optional int32 eos_id = 42 [default = 2];
  optional int32 pad_id = 43 [default = -1];
  optional string unk_surface = 44 [default = " \xE2\x81\x87 "];
}

message NormalizerSpec {
  optional string name = 1;
  optional bytes precompiled_charsmap = 2;
  optional bool add_dummy_prefix = 3 [default = true];
  optional bool remove_extra_whitespaces = 4 [default = true];
  optional bool escape_whitespaces = 5 [default = true];
}

message ModelProto {
  message SentencePiece {
    enum Type {
      NORMAL = 1;
      UNKNOWN = 2;
      CONTROL = 3;
      USER_DEFINED = 4;
      UNUSED = 5;
      BYTE = 6;
    }
    optional string piece = 1;
    optional float score = 2;
    optional Type type = 3 [default = NORMAL];
  }
  repeated SentencePiece pieces = 1;
  optional TrainerSpec trainer_spec = 2;
  optional NormalizerSpec normalizer_spec = 3;
  optional NormalizerSpec denormalizer_spec = 5;
}
`;
