/**
 * The other shapes a GPT-2 folder comes in (the original Hub files: no "transformer." prefix, the attention-mask
 * buffers, a stored lm_head; sharded weights; an old tokenizer.json), and what is refused: each a one-line error
 * naming the key, tensor or file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError, ConfigError, TokenizerError } from "../../src/errors.js";
import { type DecoderOnly, type NamedTensor, parseConfig } from "../../src/models/index.js";
import { readSafetensors, writeSafetensors } from "../../src/models/safetensors-file.js";
import { inference } from "../../src/nn/index.js";
import { loadForInference } from "../../src/run/index.js";
import { GPT2_TINY } from "./fixture.js";

const hfRust = createRequire(import.meta.url)("tokenizers") as typeof import("tokenizers");
const FILES = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"];
const original = readSafetensors(path.join(GPT2_TINY, "model.safetensors")).tensors;
const readJson = (dir: string, name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));

/** A copy of the fixture folder (its model files only), changed by `edit`. */
function variant(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "gpt2-"));
  for (const f of FILES) fs.copyFileSync(path.join(GPT2_TINY, f), path.join(dir, f));
  edit(dir);
  return dir;
}

const editJson = (name: string, change: (json: Record<string, any>) => void) => (dir: string) => {
  const json = readJson(dir, name);
  change(json);
  fs.writeFileSync(path.join(dir, name), JSON.stringify(json));
};

const editTensors = (change: (t: Map<string, NamedTensor>) => Map<string, NamedTensor>) => (dir: string) => {
  writeSafetensors(path.join(dir, "model.safetensors"), change(new Map(original)), { format: "pt" });
};

/** Loading `dir` fails with one line of `kind` that matches `pattern`. */
function refused(dir: string, kind: typeof CheckpointError | typeof ConfigError | typeof TokenizerError, pattern: RegExp): void {
  assert.throws(() => loadForInference(dir), (e: Error) => {
    assert.ok(e instanceof kind, `${e.constructor.name}: ${e.message}`);
    assert.ok(!e.message.includes("\n"), e.message);
    assert.match(e.message, pattern);
    return true;
  });
  fs.rmSync(dir, { recursive: true });
}

const probe = { ids: Int32Array.from([32, 262, 424, 344, 11, 1023, 57]), batch: 1, length: 7 };
const logitsOf = (dir: string) => {
  const m = loadForInference(dir).model as DecoderOnly;
  return inference(m, () => m.forward(probe).data);
};
const reference = logitsOf(GPT2_TINY);

test("the original Hub layout loads the same: bare names, h.N.attn.bias/masked_bias buffers, lm_head.weight stored", () => {
  const dir = variant(editTensors((t) => {
    const out = new Map<string, NamedTensor>();
    for (const [n, x] of t) out.set(n.replace(/^transformer\./, ""), x);
    for (let i = 0; i < 2; i++) {
      out.set(`h.${i}.attn.bias`, { shape: [1, 1, 64, 64], data: new Float32Array(64 * 64).fill(1) });
      out.set(`h.${i}.attn.masked_bias`, { shape: [], data: Float32Array.of(-1e4) });
    }
    out.set("lm_head.weight", t.get("transformer.wte.weight")!);
    return out;
  }));
  assert.deepEqual(logitsOf(dir), reference);
  fs.rmSync(dir, { recursive: true });
});

/** A safetensors file of BOOL tensors, as torch writes a boolean buffer (our writer writes floats only). */
function boolSafetensors(file: string, tensors: Record<string, { shape: number[]; values: Uint8Array }>): void {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: "BOOL", shape: t.shape, data_offsets: [at, at + t.values.length] };
    at += t.values.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([size, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.values))]));
}

test("the causal-mask buffers stored as BOOL (as newer torch saves them), in a shard of their own, are read and dropped", () => {
  const dir = variant((d) => {
    const mask = new Uint8Array(64 * 64).map((_, i) => (i % 64 <= Math.floor(i / 64) ? 1 : 0));
    boolSafetensors(path.join(d, "model-00002-of-00002.safetensors"), {
      "transformer.h.0.attn.bias": { shape: [1, 1, 64, 64], values: mask }, "transformer.h.1.attn.bias": { shape: [1, 1, 64, 64], values: mask },
    });
    fs.renameSync(path.join(d, "model.safetensors"), path.join(d, "model-00001-of-00002.safetensors"));
    const weightMap: Record<string, string> = Object.fromEntries([...original.keys()].map((n) => [n, "model-00001-of-00002.safetensors"]));
    for (const i of [0, 1]) weightMap[`transformer.h.${i}.attn.bias`] = "model-00002-of-00002.safetensors";
    fs.writeFileSync(path.join(d, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  });
  assert.deepEqual(logitsOf(dir), reference);
  fs.rmSync(dir, { recursive: true });
});

test("sharded weights (model.safetensors.index.json) load the same; a shard that disagrees with the index is refused", () => {
  const shard = (dir: string, bad = false) => {
    fs.rmSync(path.join(dir, "model.safetensors"));
    const names = [...original.keys()];
    const halves = [names.slice(0, 10), names.slice(10)];
    const weightMap: Record<string, string> = {};
    halves.forEach((half, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeSafetensors(path.join(dir, file), new Map(half.map((n) => [n, original.get(n)!])), { format: "pt" });
      for (const n of half) weightMap[n] = file;
    });
    if (bad) weightMap[names[0]] = "model-00002-of-00002.safetensors";
    fs.writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  };
  const dir = variant((d) => shard(d));
  assert.deepEqual(logitsOf(dir), reference);
  fs.rmSync(dir, { recursive: true });
  refused(variant((d) => shard(d, true)), CheckpointError, /model-00001-of-00002\.safetensors: tensor "transformer\.h\.0\.attn\.c_attn\.bias" is not listed for this shard in model\.safetensors\.index\.json \(it lists model-00002-of-00002\.safetensors\)$/);
  refused(variant((d) => {
    fs.rmSync(path.join(d, "model.safetensors"));
    fs.writeFileSync(path.join(d, "pytorch_model.bin"), "");
  }), CheckpointError, /: no model\.safetensors nor model\.safetensors\.index\.json \(pytorch_model\.bin is not read: only safetensors files are; download those\)$/);
});

test("config values decoder_only does not compute are refused by key", () => {
  const cases: Array<[(j: Record<string, any>) => void, RegExp]> = [
    [(j) => (j.model_type = "llama"), /config\.json: model_type "llama" is not supported; Hugging Face checkpoints load for model_type ("[a-z0-9]+", )*"gpt2"(, "[a-z0-9]+")*$/],
    [(j) => (j.scale_attn_by_inverse_layer_idx = true), /"scale_attn_by_inverse_layer_idx" is true; only false is supported/],
    [(j) => (j.reorder_and_upcast_attn = true), /"reorder_and_upcast_attn" is true; only false is supported/],
    [(j) => (j.scale_attn_weights = false), /"scale_attn_weights" is false; only true is supported/],
    [(j) => (j.add_cross_attention = true), /"add_cross_attention" is true/],
    [(j) => (j.activation_function = "silu"), /"activation_function" "silu" is not supported; expected one of gelu_new, gelu, relu$/],
    [(j) => (j.rotary_dim = 64), /unknown key "rotary_dim" for model_type "gpt2"/],
    [(j) => (j.attn_pdrop = 0.2), /"attn_pdrop" 0\.2 differs from "resid_pdrop" 0\.1; decoder_only has one dropout rate$/],
    [(j) => (j.eos_token_id = [1, 2]), /"eos_token_id" is a list \[1,2\]/],
    [(j) => (j.n_ctx = 32), /"n_ctx" 32 differs from "n_positions" 64$/],
    [(j) => (j.n_head = 3), /config\.json \(model_type "gpt2" as decoder_only\): "d_model" 32 is not divisible by "num_heads" 3$/],
  ];
  for (const [change, pattern] of cases) refused(variant(editJson("config.json", change)), ConfigError, pattern);
  // parseConfig reads our config.json only, and says where a transformers one is read
  assert.throws(() => parseConfig(readJson(GPT2_TINY, "config.json"), "x/config.json"),
    /^ConfigError: x\/config\.json: a Hugging Face config \(model_type "gpt2"\), not ours: its folder loads as a checkpoint/);
  // activation_function "gelu" and "relu" load (as our exact gelu and relu)
  for (const act of ["gelu", "relu"]) {
    const dir = variant(editJson("config.json", (j) => (j.activation_function = act)));
    assert.equal(loadForInference(dir).config.activation, act);
    fs.rmSync(dir, { recursive: true });
  }
});

test("tensors: an unexpected, missing or misshapen one is refused by its transformers name", () => {
  refused(variant(editTensors((t) => t.set("score.weight", { shape: [2, 32], data: new Float32Array(64) }))), CheckpointError,
    /model\.safetensors: unexpected tensor "score\.weight" \(not part of a GPT-2 language model; its other tensors are under "transformer\."\)$/);
  refused(variant(editTensors((t) => t.set("transformer.h.2.ln_1.weight", { shape: [32], data: new Float32Array(32) }))), CheckpointError,
    /unexpected tensor "transformer\.h\.2\.ln_1\.weight" \(not part of a GPT-2 language model with this config\.json\)$/);
  refused(variant(editTensors((t) => (t.delete("transformer.ln_f.bias"), t))), CheckpointError, /missing tensor "transformer\.ln_f\.bias" of shape \[32\]$/);
  const cAttn = original.get("transformer.h.1.attn.c_attn.weight")!;
  refused(variant(editTensors((t) => t.set("transformer.h.1.attn.c_attn.weight", { shape: [96, 32], data: cAttn.data }))), CheckpointError,
    /tensor "transformer\.h\.1\.attn\.c_attn\.weight" has shape \[96, 32\], expected \[32, 96\] from config\.json \(a Conv1D weight: \[in, out\]\)$/);
  const wte = original.get("transformer.wte.weight")!;
  refused(variant(editTensors((t) => t.set("lm_head.weight", { shape: wte.shape, data: wte.data.map((v) => v + 1) }))), CheckpointError,
    /tied tensors "embed\.weight" and "lm_head\.weight" differ/);
  refused(variant(editJson("config.json", (j) => (j.tie_word_embeddings = false))), CheckpointError, /missing tensor "lm_head\.weight" of shape \[1024, 32\] \("tie_word_embeddings" is false\)$/);
});

test("an untied GPT-2 uses its own lm_head", () => {
  const wte = original.get("transformer.wte.weight")!;
  const dir = variant((d) => {
    editJson("config.json", (j) => (j.tie_word_embeddings = false))(d);
    editTensors((t) => t.set("lm_head.weight", { shape: wte.shape, data: wte.data.map((v) => 2 * v) }))(d);
  });
  const m = loadForInference(dir).model as DecoderOnly;
  assert.notEqual(m.lmHead.weight, m.embed.weight);
  const doubled = inference(m, () => m.forward(probe).data);
  reference.forEach((v, i) => assert.ok(Math.abs(doubled[i] - 2 * v) < 1e-4));
  fs.rmSync(dir, { recursive: true });
});

test("an old-format tokenizer.json (no model.type, no use_regex, a ByteLevel post-processor, merges as strings) gives the same ids, as in tokenizers (Rust)", async () => {
  const dir = variant(editJson("tokenizer.json", (j) => {
    delete j.model.type;
    delete j.pre_tokenizer.use_regex;
    j.post_processor = { type: "ByteLevel", add_prefix_space: true, trim_offsets: false };
    j.model.merges = j.model.merges.map((m: string[]) => m.join(" "));
    j.added_tokens[0].normalized = true;
  }));
  const fresh = loadForInference(GPT2_TINY).srcTokenizer;
  const old = loadForInference(dir).srcTokenizer;
  const rust = hfRust.Tokenizer.fromFile(path.join(dir, "tokenizer.json"));
  for (const text of ["And God said, “Let there be light,”", "héllo 👍 日本 <|endoftext|>x", "  two  spaces "]) {
    assert.deepEqual(old.encode(text), fresh.encode(text));
    assert.deepEqual(old.encode(text), (await rust.encode(text)).getIds());
  }
  fs.rmSync(dir, { recursive: true });
});

test("tokenizer_config.json: bos/eos must be the config's tokens; add_prefix_space and add_eos_token are refused; add_bos_token is honoured", () => {
  refused(variant(editJson("tokenizer_config.json", (j) => (j.eos_token = "</s>"))), CheckpointError,
    /tokenizer_config\.json: "eos_token" is "<\/s>", but config\.json's eos_token_id 1023 is "<\|endoftext\|>"$/);
  refused(variant(editJson("tokenizer_config.json", (j) => (j.add_prefix_space = true))), CheckpointError, /"add_prefix_space" is true; not supported/);
  refused(variant(editJson("tokenizer_config.json", (j) => (j.add_eos_token = true))), CheckpointError, /"add_eos_token" is true; not supported/);
  refused(variant(editJson("config.json", (j) => (j.bos_token_id = 5))), TokenizerError, /tokenizer\.json: the bos token is id 5 \("&"\), which is not a special added token/);
  const dir = variant(editJson("tokenizer_config.json", (j) => (j.add_bos_token = true)));
  assert.equal(loadForInference(dir).addBos, true);
  fs.rmSync(dir, { recursive: true });
});
