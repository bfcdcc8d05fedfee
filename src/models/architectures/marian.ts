/**
 * Hugging Face transformers' Marian (model_type "marian": MarianMTModel, modeling_marian.py; the
 * Helsinki-NLP/opus-mt-* checkpoints) read as seq2seq options, not as a model of its own. Marian is our seq2seq
 * with post-LN layers and no final norm after either stack (final_norm false), one embedding table shared by the
 * encoder, the decoder and the output projection (tie_word_embeddings), scaled by √d_model (scale_embedding), fixed
 * sinusoids laid out [sin | cos] (sinusoid_layout "halves"), SiLU for its "swish", attention and activation
 * dropout rates of their own, and final_logits_bias as the generator's bias. Decoding starts from
 * decoder_start_token_id (its pad token), our bos_id. What differs is only how its files say it: the config's
 * names, and Q, K, V as three Linear layers (q_proj, k_proj, v_proj), stacked here into in_proj as nn.Transformer
 * keeps them. Browser-safe.
 */
import type { NamedTensor } from "../safetensors.js";
import { sinusoidalPositions } from "../../nn/positional.js";
import type { Seq2SeqConfig } from "./seq2seq.js";
import type { HuggingFaceFormat, HuggingFaceWriter } from "./spec.js";

/** transformers' activation_function names (ACT2FN), and ours. */
const ACTIVATIONS: Readonly<Record<string, string>> = { swish: "silu", silu: "silu", gelu: "gelu", gelu_new: "gelu_tanh", relu: "relu" };

/** Keys that must hold one value (transformers' default), since seq2seq computes Marian only so. */
const FIXED: Readonly<Record<string, unknown>> = {
  is_encoder_decoder: true,
  is_decoder: false, // true: MarianForCausalLM's decoder alone
  share_encoder_decoder_embeddings: true, // false: a decoder embedding (and vocabulary) of its own
  tie_word_embeddings: true, // false: an lm_head of its own
  encoder_layerdrop: 0, // dropping whole layers in training
  decoder_layerdrop: 0,
  add_cross_attention: false,
};

/**
 * Keys that do not change the forward pass: bookkeeping, initialisation, caching, generation defaults (generation
 * options come from our command line and library calls), and the keys of the original opus-mt conversions that
 * MarianMTModel does not read (static_position_embeddings, normalize_before, add_bias_logits, ...: transformers
 * computes the same model whatever they say, and so do we).
 */
const IGNORED = new Set([
  "architectures", "model_type", "transformers_version", "dtype", "torch_dtype", "_name_or_path", "use_cache", "init_std",
  "output_attentions", "output_hidden_states", "return_dict", "torchscript", "use_bfloat16", "tf_legacy_loss", "pruned_heads",
  "chunk_size_feed_forward", "id2label", "label2id", "problem_type", "finetuning_task", "tokenizer_class", "prefix",
  "task_specific_params", "_num_labels", "num_labels", "num_hidden_layers", "gradient_checkpointing", "bos_token_id",
  "forced_bos_token_id", "forced_eos_token_id", "max_length", "min_length", "num_beams", "bad_words_ids", "do_sample",
  "early_stopping", "length_penalty", "no_repeat_ngram_size", "num_return_sequences", "repetition_penalty", "temperature",
  "top_k", "top_p", "output_scores", "return_dict_in_generate", "sep_token_id", "remove_invalid_values",
  // the original conversions' keys, unread by MarianConfig / MarianMTModel
  "static_position_embeddings", "normalize_before", "normalize_embedding", "add_bias_logits", "add_final_layer_norm",
  "extra_pos_embeddings", "classif_dropout", "classifier_dropout", "output_past", "scale_attn_weights",
]);

/** Keys read below. */
const READ = new Set([
  "vocab_size", "decoder_vocab_size", "d_model", "encoder_layers", "decoder_layers", "encoder_attention_heads",
  "decoder_attention_heads", "encoder_ffn_dim", "decoder_ffn_dim", "max_position_embeddings", "activation_function",
  "scale_embedding", "dropout", "attention_dropout", "activation_dropout", "pad_token_id", "decoder_start_token_id", "eos_token_id",
]);

const show = (v: unknown): string => String(JSON.stringify(v));

/** seq2seq's config for a transformers MarianConfig (config.json). */
function marianConfig(raw: Readonly<Record<string, unknown>>, fail: (message: string) => never): Record<string, unknown> {
  for (const key of Object.keys(raw)) {
    if (!READ.has(key) && !IGNORED.has(key) && !(key in FIXED)) fail(`unknown key "${key}" for model_type "marian" (not read, so refused: it may change the model)`);
  }
  for (const [key, want] of Object.entries(FIXED)) {
    if (raw[key] !== undefined && raw[key] !== want) fail(`"${key}" is ${show(raw[key])}; only ${show(want)} is supported (seq2seq computes Marian only so)`);
  }
  // MarianConfig's default for a key the file leaves out
  const given = (key: string, fallback: unknown): unknown => (raw[key] != null ? raw[key] : fallback);
  const int = (key: string, fallback: number): number => {
    const v = given(key, fallback);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(`"${key}" must be a non-negative integer, found ${show(raw[key])}`);
    return v as number;
  };
  const rate = (key: string, fallback: number): number => {
    const v = given(key, fallback);
    if (typeof v !== "number") fail(`"${key}" must be a number, found ${show(raw[key])}`);
    return v as number;
  };
  const same = (a: string, b: string, fallback: number, what: string): number => {
    const x = int(a, fallback), y = int(b, fallback);
    if (x !== y) fail(`"${a}" ${x} differs from "${b}" ${y}; seq2seq has one ${what} for both stacks`);
    return x;
  };
  const vocab = int("vocab_size", 58101);
  if (raw.decoder_vocab_size != null && raw.decoder_vocab_size !== vocab) {
    fail(`"decoder_vocab_size" ${show(raw.decoder_vocab_size)} differs from "vocab_size" ${vocab}; only one shared vocabulary is supported`);
  }
  const activation = given("activation_function", "gelu");
  if (typeof activation !== "string" || !(activation in ACTIVATIONS)) {
    fail(`"activation_function" ${show(activation)} is not supported; expected one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  if (Array.isArray(raw.eos_token_id)) fail(`"eos_token_id" is a list ${show(raw.eos_token_id)}; seq2seq stops at one eos id`);
  const pad = int("pad_token_id", 58100);
  return {
    architecture: "seq2seq",
    src_vocab_size: vocab,
    tgt_vocab_size: vocab,
    num_encoder_layers: int("encoder_layers", 12),
    num_decoder_layers: int("decoder_layers", 12),
    d_model: int("d_model", 1024),
    num_heads: same("encoder_attention_heads", "decoder_attention_heads", 16, "number of heads"),
    d_ff: same("encoder_ffn_dim", "decoder_ffn_dim", 4096, "FFN size"),
    dropout: rate("dropout", 0.1),
    attention_dropout: rate("attention_dropout", 0),
    activation_dropout: rate("activation_dropout", 0),
    activation: ACTIVATIONS[activation as string],
    norm_first: false,
    final_norm: false,
    layer_norm_eps: 1e-5, // nn.LayerNorm's default; MarianConfig has no key for it
    positional: "sinusoidal",
    sinusoid_layout: "halves",
    max_len: int("max_position_embeddings", 1024),
    scale_embeddings: given("scale_embedding", false),
    tie_word_embeddings: true,
    pad_id: pad,
    bos_id: int("decoder_start_token_id", 58100),
    eos_id: int("eos_token_id", 0),
  };
}

/** How a Marian tensor becomes one of ours: our name, or a part of in_proj (Q, K or V rows). */
interface Mapping {
  ours: string;
  shape: number[];
  /** Row block of in_proj_weight / in_proj_bias: 0 Q, 1 K, 2 V. */
  part?: number;
}

function marianMappings(c: Seq2SeqConfig): Map<string, Mapping> {
  const d = c.d_model, f = c.d_ff, m = new Map<string, Mapping>();
  const add = (name: string, ours: string, shape: number[], part?: number) => m.set(name, { ours, shape, part });
  const linear = (name: string, ours: string, out: number, inp: number) => {
    add(`${name}.weight`, `${ours}.weight`, [out, inp]);
    add(`${name}.bias`, `${ours}.bias`, [out]);
  };
  const attention = (name: string, ours: string) => {
    ["q_proj", "k_proj", "v_proj"].forEach((p, part) => {
      add(`${name}.${p}.weight`, `${ours}.in_proj_weight`, [d, d], part);
      add(`${name}.${p}.bias`, `${ours}.in_proj_bias`, [d], part);
    });
    linear(`${name}.out_proj`, `${ours}.out_proj`, d, d);
  };
  const norm = (name: string, ours: string) => {
    add(`${name}.weight`, `${ours}.weight`, [d]);
    add(`${name}.bias`, `${ours}.bias`, [d]);
  };
  for (let i = 0; i < c.num_encoder_layers; i++) {
    const h = `model.encoder.layers.${i}`, ours = `transformer.encoder.layers.${i}`;
    attention(`${h}.self_attn`, `${ours}.self_attn`);
    norm(`${h}.self_attn_layer_norm`, `${ours}.norm1`);
    linear(`${h}.fc1`, `${ours}.linear1`, f, d);
    linear(`${h}.fc2`, `${ours}.linear2`, d, f);
    norm(`${h}.final_layer_norm`, `${ours}.norm2`);
  }
  for (let i = 0; i < c.num_decoder_layers; i++) {
    const h = `model.decoder.layers.${i}`, ours = `transformer.decoder.layers.${i}`;
    attention(`${h}.self_attn`, `${ours}.self_attn`);
    norm(`${h}.self_attn_layer_norm`, `${ours}.norm1`);
    attention(`${h}.encoder_attn`, `${ours}.multihead_attn`);
    norm(`${h}.encoder_attn_layer_norm`, `${ours}.norm2`);
    linear(`${h}.fc1`, `${ours}.linear1`, f, d);
    linear(`${h}.fc2`, `${ours}.linear2`, d, f);
    norm(`${h}.final_layer_norm`, `${ours}.norm3`);
  }
  return m;
}

/** The names the one embedding table may be stored under (save_pretrained keeps model.shared.weight alone). */
const EMBEDDINGS = ["model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"];
/** Fixed sinusoid tables older conversions stored; transformers loads them over its own, so they must be ours. */
const POSITIONS = ["model.encoder.embed_positions.weight", "model.decoder.embed_positions.weight"];
/** How far a stored sinusoid may be from ours (float32 rounding of the same float64 values). */
const POSITION_TOLERANCE = 1e-6;

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * Our state dict from MarianMTModel's tensors. Every tensor must be one of Marian's, of the shape the config gives,
 * or it is refused by name; final_logits_bias may be absent (zeros, as transformers then loads it).
 */
function marianTensors(tensors: ReadonlyMap<string, NamedTensor>, c: Seq2SeqConfig, fail: (message: string) => never): Map<string, NamedTensor> {
  const d = c.d_model, V = c.tgt_vocab_size;
  const mappings = marianMappings(c);
  const out = new Map<string, NamedTensor>();
  const parts = new Map<string, Float32Array>(); // in_proj being filled, by our name
  const filled = new Set<string>();
  let embedding: NamedTensor | undefined;
  let bias: NamedTensor | undefined;
  for (const [name, t] of tensors) {
    const check = (shape: number[]) => {
      if (!sameShape(t.shape, shape)) fail(`tensor "${name}" has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] from config.json`);
    };
    if (EMBEDDINGS.includes(name)) {
      check([V, d]);
      embedding ??= t;
      // every copy is the one table: our state dict lists it under each of its names, and loading checks they agree
      const ours = name === "lm_head.weight" ? "generator.weight" : name === "model.decoder.embed_tokens.weight" ? "tgt_embed.weight" : "src_embed.weight";
      out.set(ours, t);
      continue;
    }
    if (name === "final_logits_bias") {
      check([1, V]);
      bias = { shape: [V], data: t.data };
      continue;
    }
    if (POSITIONS.includes(name)) {
      check([c.max_len, d]);
      const table = sinusoidalPositions(c.max_len, d, "halves");
      let worst = 0;
      for (let i = 0; i < table.length; i++) worst = Math.max(worst, Math.abs(table[i] - t.data[i]));
      if (!(worst <= POSITION_TOLERANCE)) fail(`tensor "${name}" is not Marian's fixed sinusoid table (differs by ${worst}); learned positions are not supported`);
      continue;
    }
    const m = mappings.get(name);
    if (!m) fail(`unexpected tensor "${name}" (not part of a MarianMTModel with this config.json)`);
    check(m!.shape);
    filled.add(name);
    if (m!.part === undefined) {
      out.set(m!.ours, t);
      continue;
    }
    const rows = m!.shape.length === 2 ? d * d : d;
    let buf = parts.get(m!.ours);
    if (!buf) parts.set(m!.ours, (buf = new Float32Array(3 * rows)));
    buf.set(t.data, m!.part * rows); // (3·dModel, dModel): W_Q, W_K, W_V stacked by rows
  }
  for (const [name, m] of mappings) {
    if (!filled.has(name)) fail(`missing tensor "${name}" of shape [${m.shape.join(", ")}]`);
  }
  for (const [ours, data] of parts) out.set(ours, { shape: ours.endsWith("weight") ? [3 * d, d] : [3 * d], data });
  if (!embedding) fail(`missing tensor "model.shared.weight" of shape [${V}, ${d}] (the shared embeddings)`);
  for (const ours of ["src_embed.weight", "tgt_embed.weight", "generator.weight"]) if (!out.has(ours)) out.set(ours, embedding!);
  out.set("generator.bias", bias ?? { shape: [V], data: new Float32Array(V) });
  return out;
}

/** Our activation names, and the activation_function written for each (opus-mt's "swish" for SiLU). */
const ACTIVATION_FUNCTION: Readonly<Record<string, string>> = { silu: "swish", gelu: "gelu", gelu_tanh: "gelu_new", relu: "relu" };

/**
 * Our seq2seq config keys and the values Marian computes as we do: every key must be listed, so a key added to
 * seq2seq later is refused by the export until it is mapped here.
 */
const WRITABLE: Readonly<Record<string, "any" | readonly unknown[]>> = {
  architecture: ["seq2seq"], src_vocab_size: "any", tgt_vocab_size: "any", num_encoder_layers: "any", num_decoder_layers: "any",
  d_model: "any", num_heads: "any", d_ff: "any", dropout: "any", attention_dropout: "any", activation_dropout: "any",
  activation: Object.keys(ACTIVATION_FUNCTION), norm_first: [false], final_norm: [false], layer_norm_eps: [1e-5],
  positional: ["sinusoidal"], sinusoid_layout: ["halves"], max_len: "any", scale_embeddings: "any", tie_word_embeddings: [true],
  pad_id: "any", bos_id: "any", eos_id: "any",
  // informational keys of ours, not part of the network
  tokenizer: "any", created_by: "any",
};

/** transformers' MarianConfig (config.json) for a seq2seq config that Marian computes; its keys as save_pretrained sorts them. */
function marianConfigOf(c: Seq2SeqConfig, fail: (message: string) => never): Record<string, unknown> {
  for (const [key, value] of Object.entries(c)) {
    const allowed = WRITABLE[key];
    if (allowed === undefined) fail(`config key "${key}" has no Marian equivalent`);
    if (allowed !== "any" && !allowed!.includes(value)) fail(`config key "${key}" is ${show(value)}; Marian computes only ${allowed!.map(show).join(", ")}`);
  }
  if (c.tgt_vocab_size !== c.src_vocab_size) fail(`config key "tgt_vocab_size" ${c.tgt_vocab_size} differs from "src_vocab_size" ${c.src_vocab_size}; Marian shares one vocabulary`);
  const rate = (v: number | "dropout") => (v === "dropout" ? c.dropout : v); // our "dropout": the main rate
  return {
    activation_dropout: rate(c.activation_dropout),
    activation_function: ACTIVATION_FUNCTION[c.activation],
    architectures: ["MarianMTModel"],
    attention_dropout: rate(c.attention_dropout),
    bos_token_id: c.eos_id, // unread by MarianMTModel; the opus-mt conversions give eos's id
    d_model: c.d_model,
    decoder_attention_heads: c.num_heads,
    decoder_ffn_dim: c.d_ff,
    decoder_layerdrop: 0,
    decoder_layers: c.num_decoder_layers,
    decoder_start_token_id: c.bos_id,
    decoder_vocab_size: c.tgt_vocab_size,
    dropout: c.dropout,
    dtype: "float32",
    encoder_attention_heads: c.num_heads,
    encoder_ffn_dim: c.d_ff,
    encoder_layerdrop: 0,
    encoder_layers: c.num_encoder_layers,
    eos_token_id: c.eos_id,
    forced_eos_token_id: c.eos_id,
    init_std: 0.02,
    is_decoder: false,
    is_encoder_decoder: true,
    max_position_embeddings: c.max_len,
    model_type: "marian",
    pad_token_id: c.pad_id,
    scale_embedding: c.scale_embeddings,
    share_encoder_decoder_embeddings: true,
    tie_word_embeddings: true,
    use_cache: true,
    vocab_size: c.src_vocab_size,
  };
}

/** MarianMTModel's tensors as save_pretrained writes them: the one table as model.shared.weight, in_proj split into q_proj, k_proj, v_proj, the generator's bias as final_logits_bias (1, V). */
function marianTensorsOf(tensors: ReadonlyMap<string, NamedTensor>, c: Seq2SeqConfig): Map<string, NamedTensor> {
  const ours = (name: string): NamedTensor => {
    const t = tensors.get(name);
    if (!t) throw new Error(`marian export: the state dict has no "${name}"`); // stateDict(model) always has it
    return t;
  };
  const d = c.d_model, V = c.tgt_vocab_size;
  const out = new Map<string, NamedTensor>();
  out.set("final_logits_bias", { shape: [1, V], data: ours("generator.bias").data });
  out.set("model.shared.weight", ours("src_embed.weight"));
  for (const [name, m] of marianMappings(c)) {
    if (m.part === undefined) {
      out.set(name, ours(m.ours));
      continue;
    }
    const rows = m.shape.length === 2 ? d * d : d;
    out.set(name, { shape: m.shape, data: ours(m.ours).data.slice(m.part * rows, (m.part + 1) * rows) });
  }
  return out;
}

const marianWriter: HuggingFaceWriter<Seq2SeqConfig> = {
  config: marianConfigOf,
  tensors: marianTensorsOf,
  tokenizerClass: "MarianTokenizer",
};

export const marianFormat: HuggingFaceFormat<Seq2SeqConfig> = {
  config: marianConfig,
  tensors: marianTensors,
  write: marianWriter,
};
