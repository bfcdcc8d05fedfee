/**
 * Hugging Face transformers' GPT-2 (model_type "gpt2": GPT2LMHeadModel, modeling_gpt2.py) read as decoder_only
 * options, not as a model of its own: GPT-2 is our decoder_only with pre-LN blocks and the stack's final norm
 * (ln_f), learned positions (wpe), no embedding scaling, biases on every projection, scale 1/√d_head, the
 * output projection tied to the token embeddings (wte), and activation "gelu_tanh" for its "gelu_new".
 * What differs is only how its files say it: the config's names, Conv1D weights stored [in, out] (transposed
 * here into Linear's [out, in]), and Q, K, V fused in c_attn along its output columns — the very layout of our
 * in_proj_weight once transposed, so no split is needed. Browser-safe.
 */
import { type LazyTensor, type NamedTensor, isLazyTensor } from "../safetensors.js";
import type { DecoderOnlyConfig } from "./decoder-only.js";
import type { HuggingFaceFormat, HuggingFaceWriter } from "./spec.js";

/** transformers' activation_function names, and ours. */
const ACTIVATIONS: Readonly<Record<string, string>> = { gelu_new: "gelu_tanh", gelu: "gelu", relu: "relu" };

/** Keys that must hold one value (transformers' default), since decoder_only computes only that. */
const FIXED: Readonly<Record<string, unknown>> = {
  scale_attn_weights: true, // false: no 1/√d_head
  scale_attn_by_inverse_layer_idx: false, // true: scores also / (layer + 1)
  reorder_and_upcast_attn: false,
  add_cross_attention: false, // true: cross-attention blocks (GPT-2 as a seq2seq decoder)
  is_encoder_decoder: false,
};

/**
 * Keys that do not change the language model's forward pass: the double-heads model's summary_*, initialisation,
 * caching, bookkeeping, and the generation defaults a config may carry (generation options come from our
 * command line and library calls, not from the checkpoint).
 */
const IGNORED = new Set([
  "architectures", "model_type", "transformers_version", "dtype", "torch_dtype", "_name_or_path", "use_cache", "initializer_range",
  "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels", "summary_first_dropout",
  "task_specific_params", "id2label", "label2id", "problem_type", "finetuning_task", "tokenizer_class", "prefix",
  "output_attentions", "output_hidden_states", "return_dict", "torchscript", "use_bfloat16", "tf_legacy_loss", "pruned_heads",
  "chunk_size_feed_forward", "is_decoder", "cross_attention_hidden_size", "tie_encoder_decoder", "sep_token_id",
  "decoder_start_token_id", "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
  "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty",
  "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
  "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
  "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "_num_labels", "num_labels",
  // in the original Hub configs (gpt2-medium, -large, -xl, distilgpt2), unused by transformers' GPT-2
  "n_special", "predict_special_tokens", "gradient_checkpointing",
]);

/** Keys read below. */
const READ = new Set([
  "vocab_size", "n_positions", "n_ctx", "n_embd", "n_layer", "n_head", "n_inner", "activation_function", "layer_norm_epsilon",
  "resid_pdrop", "embd_pdrop", "attn_pdrop", "bos_token_id", "eos_token_id", "pad_token_id", "tie_word_embeddings",
]);

const show = (v: unknown): string => String(JSON.stringify(v));

/** decoder_only's config for a transformers GPT2Config (config.json). */
function gpt2Config(raw: Readonly<Record<string, unknown>>, fail: (message: string) => never): Record<string, unknown> {
  for (const key of Object.keys(raw)) {
    if (!READ.has(key) && !IGNORED.has(key) && !(key in FIXED)) fail(`unknown key "${key}" for model_type "gpt2" (not read, so refused: it may change the model)`);
  }
  for (const [key, want] of Object.entries(FIXED)) {
    if (raw[key] !== undefined && raw[key] !== want) fail(`"${key}" is ${show(raw[key])}; only ${show(want)} is supported (decoder_only computes GPT-2's attention only so)`);
  }
  // transformers' default (GPT2Config) for a key the file leaves out; an explicit null stays null
  const given = (key: string, fallback: unknown): unknown => (key in raw ? raw[key] : fallback);
  const int = (key: string, fallback?: number): number => {
    const v = given(key, fallback);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(`"${key}" must be a non-negative integer, found ${show(raw[key])}`);
    return v as number;
  };
  const dModel = int("n_embd", 768);
  const positions = int("n_positions", 1024);
  if (raw.n_ctx !== undefined && raw.n_ctx !== positions) fail(`"n_ctx" ${show(raw.n_ctx)} differs from "n_positions" ${positions}`);
  const activation = given("activation_function", "gelu_new");
  if (typeof activation !== "string" || !(activation in ACTIVATIONS)) {
    fail(`"activation_function" ${show(activation)} is not supported; expected one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  const dropout = given("resid_pdrop", 0.1);
  for (const key of ["embd_pdrop", "attn_pdrop"]) {
    if (given(key, 0.1) !== dropout) fail(`"${key}" ${show(given(key, 0.1))} differs from "resid_pdrop" ${show(dropout)}; decoder_only has one dropout rate`);
  }
  if (Array.isArray(raw.eos_token_id)) fail(`"eos_token_id" is a list ${show(raw.eos_token_id)}; decoder_only stops at one eos id`);
  const eos = int("eos_token_id", 50256);
  const bos = int("bos_token_id", 50256);
  // GPT-2 has no padding token: generate() pads with eos, and never infers padding from it (so neither do we)
  const pad = raw.pad_token_id == null ? eos : int("pad_token_id");
  return {
    architecture: "decoder_only",
    vocab_size: int("vocab_size", 50257),
    num_layers: int("n_layer", 12),
    d_model: dModel,
    num_heads: int("n_head", 12),
    d_ff: raw.n_inner == null ? 4 * dModel : int("n_inner"),
    dropout,
    activation: ACTIVATIONS[activation as string],
    norm_first: true,
    layer_norm_eps: given("layer_norm_epsilon", 1e-5),
    positional: "learned",
    max_len: positions,
    scale_embeddings: false,
    tie_word_embeddings: given("tie_word_embeddings", true),
    pad_id: pad,
    bos_id: bos,
    eos_id: eos,
  };
}

/** (rows, cols) → (cols, rows) of `src`, into `out`. */
function transpose(src: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/**
 * (rows, cols) → (cols, rows). A lazy tensor (a file read on demand) stays lazy: it is read and transposed into
 * its parameter when loaded, so that loading never holds the weights twice.
 */
function transposed(t: NamedTensor): NamedTensor {
  const [rows, cols] = t.shape;
  if (!isLazyTensor(t)) return { shape: [cols, rows], data: transpose(t.data, rows, cols, new Float32Array(t.data.length)) };
  const lazy: LazyTensor = {
    shape: [cols, rows],
    readInto: (dest) => void transpose(t.data, rows, cols, dest),
    get data() {
      return transpose(t.data, rows, cols, new Float32Array(rows * cols));
    },
  };
  return lazy;
}

/** How a GPT-2 tensor becomes one of ours: its name there and the shape transformers stores it with. */
interface Mapping {
  ours: string;
  shape: number[];
  /** A Conv1D weight, stored [in, out]. */
  conv1d?: boolean;
}

function gpt2Mappings(c: DecoderOnlyConfig): Map<string, Mapping> {
  const d = c.d_model, m = new Map<string, Mapping>();
  const add = (name: string, ours: string, shape: number[], conv1d = false) => m.set(name, { ours, shape, conv1d });
  add("wte.weight", "embed.weight", [c.vocab_size, d]);
  add("wpe.weight", "pos.weight", [c.max_len, d]);
  for (let i = 0; i < c.num_layers; i++) {
    const h = `h.${i}`, ours = `stack.layers.${i}`;
    add(`${h}.ln_1.weight`, `${ours}.norm1.weight`, [d]);
    add(`${h}.ln_1.bias`, `${ours}.norm1.bias`, [d]);
    add(`${h}.attn.c_attn.weight`, `${ours}.self_attn.in_proj_weight`, [d, 3 * d], true); // columns Q | K | V
    add(`${h}.attn.c_attn.bias`, `${ours}.self_attn.in_proj_bias`, [3 * d]);
    add(`${h}.attn.c_proj.weight`, `${ours}.self_attn.out_proj.weight`, [d, d], true);
    add(`${h}.attn.c_proj.bias`, `${ours}.self_attn.out_proj.bias`, [d]);
    add(`${h}.ln_2.weight`, `${ours}.norm2.weight`, [d]);
    add(`${h}.ln_2.bias`, `${ours}.norm2.bias`, [d]);
    add(`${h}.mlp.c_fc.weight`, `${ours}.linear1.weight`, [d, c.d_ff], true);
    add(`${h}.mlp.c_fc.bias`, `${ours}.linear1.bias`, [c.d_ff]);
    add(`${h}.mlp.c_proj.weight`, `${ours}.linear2.weight`, [c.d_ff, d], true);
    add(`${h}.mlp.c_proj.bias`, `${ours}.linear2.bias`, [d]);
  }
  add("ln_f.weight", "stack.norm.weight", [d]);
  add("ln_f.bias", "stack.norm.bias", [d]);
  return m;
}

/** Buffers older checkpoints saved beside the weights (the causal mask and its fill value); transformers drops them too. */
const DROPPED = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * Our state dict from GPT2LMHeadModel's (or GPT2Model's) tensors: names with or without the "transformer."
 * prefix (save_pretrained writes it; the original Hub files have none), lm_head.weight optional when tied
 * (save_pretrained leaves it out: it is wte). Every tensor must be one of GPT-2's, of the shape the config
 * gives, or it is refused by name.
 */
function gpt2Tensors(tensors: ReadonlyMap<string, NamedTensor>, c: DecoderOnlyConfig, fail: (message: string) => never): Map<string, NamedTensor> {
  const mappings = gpt2Mappings(c);
  const prefixed = [...tensors.keys()].some((n) => n.startsWith("transformer."));
  const out = new Map<string, NamedTensor>();
  let lmHead: NamedTensor | undefined;
  for (const [name, t] of tensors) {
    if (name === "lm_head.weight") {
      lmHead = t;
      continue;
    }
    if (prefixed && !name.startsWith("transformer.")) fail(`unexpected tensor "${name}" (not part of a GPT-2 language model; its other tensors are under "transformer.")`);
    const bare = prefixed ? name.slice("transformer.".length) : name;
    if (DROPPED.test(bare)) continue;
    const m = mappings.get(bare);
    if (!m) fail(`unexpected tensor "${name}" (not part of a GPT-2 language model with this config.json)`);
    if (t.shape.length !== m!.shape.length || t.shape.some((s, i) => s !== m!.shape[i])) {
      fail(`tensor "${name}" has shape [${t.shape.join(", ")}], expected [${m!.shape.join(", ")}] from config.json${m!.conv1d ? " (a Conv1D weight: [in, out])" : ""}`);
    }
    out.set(m!.ours, m!.conv1d ? transposed(t) : t);
  }
  for (const [name, m] of mappings) {
    if (!out.has(m.ours)) fail(`missing tensor "${prefixed ? "transformer." : ""}${name}" of shape [${m.shape.join(", ")}]`);
  }
  const vocab = [c.vocab_size, c.d_model];
  if (lmHead && (lmHead.shape.length !== 2 || lmHead.shape[0] !== vocab[0] || lmHead.shape[1] !== vocab[1])) {
    fail(`tensor "lm_head.weight" has shape [${lmHead.shape.join(", ")}], expected [${vocab.join(", ")}] from config.json`);
  }
  if (!c.tie_word_embeddings && !lmHead) fail(`missing tensor "lm_head.weight" of shape [${vocab.join(", ")}] ("tie_word_embeddings" is false)`);
  // tied: one tensor under both names, as our state dict lists it; a stored lm_head must equal wte (loadStateDict checks)
  out.set("lm_head.weight", lmHead ?? out.get("embed.weight")!);
  return out;
}

/**
 * Our decoder_only config keys and the values GPT-2 computes as we do: every key must be listed, so a key added to
 * decoder_only later is refused by the export until it is mapped here, rather than written as if it were absent.
 */
const WRITABLE: Readonly<Record<string, "any" | readonly unknown[]>> = {
  architecture: ["decoder_only"], vocab_size: "any", num_layers: "any", d_model: "any", num_heads: "any", d_ff: "any",
  dropout: "any", activation: Object.values(ACTIVATIONS), norm_first: [true], layer_norm_eps: "any",
  positional: ["learned"], max_len: "any", scale_embeddings: [false], tie_word_embeddings: "any",
  pad_id: "any", bos_id: "any", eos_id: "any",
  // informational keys of ours, not part of the network
  tokenizer: "any", created_by: "any",
};

/** transformers' GPT2Config (config.json) for a decoder_only config that GPT-2 computes; its keys as save_pretrained sorts them. */
function gpt2ConfigOf(c: DecoderOnlyConfig, fail: (message: string) => never): Record<string, unknown> {
  for (const [key, value] of Object.entries(c)) {
    const allowed = WRITABLE[key];
    if (allowed === undefined) fail(`config key "${key}" has no GPT-2 equivalent`);
    if (allowed !== "any" && !allowed!.includes(value)) {
      fail(`config key "${key}" is ${show(value)}; GPT-2 computes only ${allowed!.map(show).join(", ")}`);
    }
  }
  const activation = Object.keys(ACTIVATIONS).find((k) => ACTIVATIONS[k] === c.activation)!;
  return {
    activation_function: activation,
    architectures: ["GPT2LMHeadModel"],
    attn_pdrop: c.dropout,
    bos_token_id: c.bos_id,
    dtype: "float32",
    embd_pdrop: c.dropout,
    eos_token_id: c.eos_id,
    layer_norm_epsilon: c.layer_norm_eps,
    model_type: "gpt2",
    n_embd: c.d_model,
    n_head: c.num_heads,
    n_inner: c.d_ff === 4 * c.d_model ? null : c.d_ff,
    n_layer: c.num_layers,
    n_positions: c.max_len,
    // GPT-2's convention: no padding token of its own (the import reads null as eos)
    pad_token_id: c.pad_id === c.eos_id ? null : c.pad_id,
    resid_pdrop: c.dropout,
    tie_word_embeddings: c.tie_word_embeddings,
    vocab_size: c.vocab_size,
  };
}

/** GPT2LMHeadModel's tensors as save_pretrained writes them: under "transformer.", Conv1D weights [in, out], lm_head only when untied. */
function gpt2TensorsOf(tensors: ReadonlyMap<string, NamedTensor>, c: DecoderOnlyConfig): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  const ours = (name: string): NamedTensor => {
    const t = tensors.get(name);
    if (!t) throw new Error(`gpt2 export: the state dict has no "${name}"`); // stateDict(model) always has it
    return t;
  };
  for (const [name, m] of gpt2Mappings(c)) out.set(`transformer.${name}`, m.conv1d ? transposed(ours(m.ours)) : ours(m.ours));
  if (!c.tie_word_embeddings) out.set("lm_head.weight", ours("lm_head.weight"));
  return out;
}

const gpt2Writer: HuggingFaceWriter<DecoderOnlyConfig> = {
  config: gpt2ConfigOf,
  tensors: gpt2TensorsOf,
  tokenizerClass: "GPT2Tokenizer",
};

export const gpt2Format: HuggingFaceFormat<DecoderOnlyConfig> = {
  config: gpt2Config,
  tensors: gpt2Tensors,
  write: gpt2Writer,
};
