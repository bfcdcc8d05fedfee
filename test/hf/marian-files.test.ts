/**
 * The other shapes a Marian folder comes in (the original conversions: embed_tokens and lm_head stored beside
 * model.shared, the sinusoid tables stored, no final_logits_bias), and what is refused: each a one-line error
 * naming the key, tensor or file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import protobuf from "protobufjs";
import { CheckpointError, ConfigError, TokenizerError } from "../../src/errors.js";
import type { NamedTensor, Seq2Seq } from "../../src/models/index.js";
import { readSafetensors, writeSafetensors } from "../../src/models/safetensors-file.js";
import { inference, sinusoidalPositions } from "../../src/nn/index.js";
import { loadForInference } from "../../src/run/index.js";
import { SENTENCEPIECE_MODEL_PROTO } from "../../src/tokenizer/sentencepiece-schema.js";
import { MARIAN_TINY } from "./marian-fixture.js";

const FILES = ["config.json", "generation_config.json", "model.safetensors", "source.spm", "target.spm", "vocab.json", "tokenizer_config.json"];
const original = readSafetensors(path.join(MARIAN_TINY, "model.safetensors")).tensors;
const config = JSON.parse(fs.readFileSync(path.join(MARIAN_TINY, "config.json"), "utf8"));
const D = config.d_model, V = config.vocab_size;

function variant(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "marian-"));
  for (const f of FILES) fs.copyFileSync(path.join(MARIAN_TINY, f), path.join(dir, f));
  edit(dir);
  return dir;
}

const editJson = (name: string, change: (json: Record<string, any>) => void) => (dir: string) => {
  const json = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
  change(json);
  fs.writeFileSync(path.join(dir, name), JSON.stringify(json));
};

const editTensors = (change: (t: Map<string, NamedTensor>) => Map<string, NamedTensor>) => (dir: string) => {
  writeSafetensors(path.join(dir, "model.safetensors"), change(new Map(original)), { format: "pt" });
};

/** The schema of the model file, to write variants of source.spm. */
const spmType = protobuf.parse(SENTENCEPIECE_MODEL_PROTO, { keepCase: true }).root.lookupType("sentencepiece.ModelProto");
const editSpm = (change: (m: Record<string, any>) => void) => (dir: string) => {
  const file = path.join(dir, "source.spm");
  const m = spmType.toObject(spmType.decode(fs.readFileSync(file)), { defaults: false }) as Record<string, any>;
  change(m);
  fs.writeFileSync(file, spmType.encode(spmType.fromObject(m)).finish());
};

function refused(dir: string, kind: typeof CheckpointError | typeof ConfigError | typeof TokenizerError, pattern: RegExp): void {
  assert.throws(() => loadForInference(dir), (e: Error) => {
    assert.ok(e instanceof kind, `${e.constructor.name}: ${e.message}`);
    assert.ok(!e.message.includes("\n"), e.message);
    assert.match(e.message, pattern);
    return true;
  });
  fs.rmSync(dir, { recursive: true });
}

const src = { ids: Int32Array.from([256, 30, 7, 0, V - 1]), batch: 1, length: 5 };
const tgt = { ids: Int32Array.from([V - 1, 256, 2, 4]), batch: 1, length: 4 };
const logitsOf = (dir: string) => {
  const m = loadForInference(dir).model as Seq2Seq;
  return inference(m, () => m.forward(src, tgt).data);
};
const reference = logitsOf(MARIAN_TINY);

test("the original conversions' layout loads the same: embed_tokens and lm_head stored, the sinusoid tables stored", () => {
  const shared = original.get("model.shared.weight")!;
  const table = () => ({ shape: [config.max_position_embeddings, D], data: sinusoidalPositions(config.max_position_embeddings, D, "halves") });
  const dir = variant(editTensors((t) => new Map([...t,
    ["model.encoder.embed_tokens.weight", shared], ["model.decoder.embed_tokens.weight", shared], ["lm_head.weight", shared],
    ["model.encoder.embed_positions.weight", table()], ["model.decoder.embed_positions.weight", table()]])));
  assert.deepEqual(logitsOf(dir), reference);
  fs.rmSync(dir, { recursive: true });
});

test("final_logits_bias is added to every position's logits; without it (transformers loads zeros) none is; a tied copy that differs is refused", () => {
  assert.ok(original.get("final_logits_bias")!.data.every((b) => b === 0), "the fixture's bias is transformers' zero buffer");
  const bias = Float32Array.from({ length: V }, (_, i) => ((i * 37) % 11) - 5);
  let dir = variant(editTensors((t) => new Map([...t, ["final_logits_bias", { shape: [1, V], data: bias }]])));
  const got = logitsOf(dir);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - (reference[i] + bias[i % V])) < 1e-5, `logit ${i}`);
  fs.rmSync(dir, { recursive: true });
  dir = variant(editTensors((t) => new Map([...t].filter(([n]) => n !== "final_logits_bias"))));
  assert.deepEqual(logitsOf(dir), reference);
  fs.rmSync(dir, { recursive: true });
  const changed = { shape: [V, D], data: original.get("model.shared.weight")!.data.map((x, i) => (i === 5 ? x + 1 : x)) };
  refused(variant(editTensors((t) => new Map([...t, ["lm_head.weight", changed]]))), CheckpointError, /tied tensors .* differ at index 5/);
});

test("config values seq2seq does not compute as Marian are refused by key", () => {
  const cases: [(j: Record<string, any>) => void, RegExp][] = [
    [(j) => (j.rope_theta = 10000), /config\.json: unknown key "rope_theta" for model_type "marian"/],
    [(j) => (j.activation_function = "tanh"), /"activation_function" "tanh" is not supported; expected one of swish, silu, gelu, gelu_new, relu$/],
    [(j) => (j.share_encoder_decoder_embeddings = false), /"share_encoder_decoder_embeddings" is false; only true is supported/],
    [(j) => (j.tie_word_embeddings = false), /"tie_word_embeddings" is false; only true is supported/],
    [(j) => (j.decoder_vocab_size = V + 1), /"decoder_vocab_size" \d+ differs from "vocab_size" \d+/],
    [(j) => (j.decoder_attention_heads = 4), /"encoder_attention_heads" 2 differs from "decoder_attention_heads" 4/],
    [(j) => (j.decoder_ffn_dim = 128), /"encoder_ffn_dim" 64 differs from "decoder_ffn_dim" 128/],
    [(j) => (j.encoder_layerdrop = 0.1), /"encoder_layerdrop" is 0\.1; only 0 is supported/],
    [(j) => (j.eos_token_id = [0, 1]), /"eos_token_id" is a list \[0,1\]/],
    [(j) => (j.attention_dropout = 1.5), /"attention_dropout" must be a number in \[0, 1\), found 1\.5/],
  ];
  for (const [edit, pattern] of cases) refused(variant(editJson("config.json", edit)), ConfigError, pattern);
});

test("tensors: an unexpected, missing or misshapen one is refused by its transformers name; learned positions too", () => {
  const extra = { shape: [D], data: new Float32Array(D) };
  refused(variant(editTensors((t) => new Map([...t, ["model.encoder.layernorm_embedding.weight", extra]]))), CheckpointError,
    /model\.safetensors: unexpected tensor "model\.encoder\.layernorm_embedding\.weight" \(not part of a MarianMTModel/);
  refused(variant(editTensors((t) => new Map([...t].filter(([n]) => n !== "model.decoder.layers.1.encoder_attn.v_proj.bias")))), CheckpointError,
    /missing tensor "model\.decoder\.layers\.1\.encoder_attn\.v_proj\.bias" of shape \[32\]/);
  refused(variant(editTensors((t) => new Map([...t].filter(([n]) => n !== "model.shared.weight")))), CheckpointError, /missing tensor "model\.shared\.weight"/);
  refused(variant(editTensors((t) => new Map([...t, ["model.encoder.layers.0.fc1.weight", { shape: [D, 64], data: new Float32Array(64 * D) }]]))), CheckpointError,
    /tensor "model\.encoder\.layers\.0\.fc1\.weight" has shape \[32, 64\], expected \[64, 32\] from config\.json/);
  const learned = { shape: [config.max_position_embeddings, D], data: new Float32Array(config.max_position_embeddings * D).fill(0.5) };
  refused(variant(editTensors((t) => new Map([...t, ["model.decoder.embed_positions.weight", learned]]))), CheckpointError,
    /tensor "model\.decoder\.embed_positions\.weight" is not Marian's fixed sinusoid table/);
});

test("tokenizer files: unsupported SentencePiece models and tokenizer settings are refused by name", () => {
  refused(variant(editSpm((m) => (m.trainer_spec.model_type = 2))), TokenizerError, /source\.spm: trainer_spec\.model_type is BPE; only UNIGRAM models are supported/);
  refused(variant(editSpm((m) => (m.pieces[10].type = 4))), TokenizerError, /source\.spm: piece 10 ".*" is USER_DEFINED; user-defined symbols are not supported/);
  refused(variant(editSpm((m) => (m.trainer_spec.treat_whitespace_as_suffix = true))), TokenizerError, /treat_whitespace_as_suffix is true; not supported/);
  refused(variant((dir) => fs.writeFileSync(path.join(dir, "source.spm"), "not a model")), TokenizerError, /source\.spm: not a SentencePiece model file/);
  refused(variant(editJson("tokenizer_config.json", (j) => (j.separate_vocabs = true))), TokenizerError, /tokenizer_config\.json: "separate_vocabs" is true; only false is supported/);
  refused(variant(editJson("tokenizer_config.json", (j) => (j.do_lowercase_and_remove_accent = true))), TokenizerError, /unknown key "do_lowercase_and_remove_accent"/);
  refused(variant(editJson("vocab.json", (j) => delete j["</s>"])), TokenizerError, /vocab\.json: the eos token "<\/s>" is not in the vocabulary/);
  refused(variant(editJson("vocab.json", (j) => (j["extra"] = 5))), TokenizerError, /vocab\.json: id 5 is given to both ".*" and "extra"/);
  refused(variant((dir) => fs.rmSync(path.join(dir, "target.spm"))), TokenizerError, /target\.spm: missing/);
});
