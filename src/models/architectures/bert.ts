/**
 * Hugging Face transformers' BERT (model_type "bert", modeling_bert.py) read as encoder_only options, not as a model
 * of its own: BERT is our encoder_only with post-LN blocks and no final norm, learned positions, token-type
 * embeddings and a LayerNorm after the summed embeddings, no embedding scaling, exact GELU, scale 1/√d_head and
 * layer_norm_eps 1e-12; its `architectures` say the head: BertForMaskedLM the masked-LM head (its decoder tied to
 * the word embeddings, with its own bias), BertForSequenceClassification the pooler (dense + tanh on [CLS]) and a
 * classifier, BertModel the pooler alone. Its files differ only in names and in Q, K, V being three Linear layers
 * (stacked here into in_proj). Browser-safe.
 */
import type { NamedTensor } from "../safetensors.js";
import type { EncoderOnlyConfig } from "./encoder-only.js";
import type { HuggingFaceFormat, HuggingFaceWriter } from "./spec.js";

/** transformers' hidden_act names, and ours. */
const ACTIVATIONS: Readonly<Record<string, string>> = { gelu: "gelu", gelu_new: "gelu_tanh", gelu_pytorch_tanh: "gelu_tanh", relu: "relu" };

/** config.json's architectures, and the head and pooler each has. */
const HEADS: Readonly<Record<string, { head: "mlm" | "classifier" | "none"; pooler: boolean }>> = {
  BertForMaskedLM: { head: "mlm", pooler: false },
  BertForSequenceClassification: { head: "classifier", pooler: true },
  BertModel: { head: "none", pooler: true },
};

/** Keys that must hold one value (transformers' default), since encoder_only computes only that. */
const FIXED: Readonly<Record<string, unknown>> = {
  is_decoder: false, // true: causal self-attention (BertLMHeadModel)
  add_cross_attention: false,
  position_embedding_type: "absolute", // relative_key(_query): relative position scores
  is_encoder_decoder: false,
};

/** Keys that do not change the forward pass: initialisation, caching, bookkeeping, generation defaults, unused pooler fields of old Hub configs. */
const IGNORED = new Set([
  "model_type", "transformers_version", "dtype", "torch_dtype", "_name_or_path", "use_cache", "initializer_range", "gradient_checkpointing",
  "output_attentions", "output_hidden_states", "return_dict", "torchscript", "use_bfloat16", "tf_legacy_loss", "chunk_size_feed_forward",
  "finetuning_task", "tokenizer_class", "prefix", "task_specific_params", "bos_token_id", "eos_token_id", "sep_token_id",
  "decoder_start_token_id", "classifier_dropout", "directionality", "pooler_fc_size", "pooler_num_attention_heads",
  "pooler_num_fc_layers", "pooler_size_per_head", "pooler_type", "label2id", "_num_labels", "num_labels",
]);

/** Keys read below. */
const READ = new Set([
  "architectures", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
  "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size", "layer_norm_eps",
  "pad_token_id", "tie_word_embeddings", "id2label", "problem_type", "pruned_heads",
]);

const show = (v: unknown): string => String(JSON.stringify(v));

/** The model class config.json names (architectures), and its head. */
function headOf(raw: Readonly<Record<string, unknown>>, fail: (message: string) => never): { name: string; head: "mlm" | "classifier" | "none"; pooler: boolean } {
  const archs = raw.architectures ?? ["BertModel"]; // a config without one is the bare model's
  if (!Array.isArray(archs) || archs.length !== 1 || typeof archs[0] !== "string") fail(`"architectures" is ${show(archs)}; expected one of [${Object.keys(HEADS).map((a) => show(a)).join(", ")}]`);
  const name = (archs as string[])[0];
  const h = HEADS[name];
  if (!h) fail(`"architectures" ${show(name)} is not supported; expected ${Object.keys(HEADS).join(", ")}`);
  return { name, ...h! };
}

/** Label names in class-id order from id2label ({"0": "neg", "1": "pos"}). */
function labelsOf(raw: Readonly<Record<string, unknown>>, fail: (message: string) => never): string[] {
  const map = raw.id2label;
  if (typeof map !== "object" || map === null || Array.isArray(map)) return fail(`"id2label" is ${show(map)}; a BertForSequenceClassification config needs {"0": label, ...}`);
  const entries = Object.entries(map as Record<string, unknown>);
  const labels: string[] = [];
  for (const [id, label] of entries) {
    const i = Number(id);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || String(i) !== id || typeof label !== "string") {
      fail(`"id2label" has ${show(id)}: ${show(label)}; expected ids 0..${entries.length - 1}, each with a label name`);
    }
    labels[i] = label as string;
  }
  if (new Set(labels).size !== labels.length) fail(`"id2label" names a label twice: ${show(labels)}`);
  return labels;
}

/** encoder_only's config for a transformers BertConfig (config.json). */
function bertConfig(raw: Readonly<Record<string, unknown>>, fail: (message: string) => never): Record<string, unknown> {
  for (const key of Object.keys(raw)) {
    if (!READ.has(key) && !IGNORED.has(key) && !(key in FIXED)) fail(`unknown key "${key}" for model_type "bert" (not read, so refused: it may change the model)`);
  }
  for (const [key, want] of Object.entries(FIXED)) {
    if (raw[key] !== undefined && raw[key] !== want) fail(`"${key}" is ${show(raw[key])}; only ${show(want)} is supported (encoder_only computes BERT only so)`);
  }
  const given = (key: string, fallback: unknown): unknown => (key in raw ? raw[key] : fallback);
  const int = (key: string, fallback: number): number => {
    const v = given(key, fallback);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(`"${key}" must be a non-negative integer, found ${show(raw[key])}`);
    return v as number;
  };
  const { name, head, pooler } = headOf(raw, fail);
  const activation = given("hidden_act", "gelu");
  if (typeof activation !== "string" || !(activation in ACTIVATIONS)) {
    fail(`"hidden_act" ${show(activation)} is not supported; expected one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  const dropout = given("hidden_dropout_prob", 0.1);
  if (given("attention_probs_dropout_prob", 0.1) !== dropout) {
    fail(`"attention_probs_dropout_prob" ${show(raw.attention_probs_dropout_prob)} differs from "hidden_dropout_prob" ${show(dropout)}; encoder_only has one dropout rate`);
  }
  const pruned = raw.pruned_heads;
  if (pruned != null && !(typeof pruned === "object" && Object.keys(pruned).length === 0)) fail(`"pruned_heads" is ${show(pruned)}; pruned attention heads are not supported`);
  const out: Record<string, unknown> = {
    architecture: "encoder_only",
    vocab_size: int("vocab_size", 30522),
    num_layers: int("num_hidden_layers", 12),
    d_model: int("hidden_size", 768),
    num_heads: int("num_attention_heads", 12),
    d_ff: int("intermediate_size", 3072),
    dropout,
    activation: ACTIVATIONS[activation as string],
    norm_first: false,
    layer_norm_eps: given("layer_norm_eps", 1e-12),
    positional: "learned",
    max_len: int("max_position_embeddings", 512),
    scale_embeddings: false,
    pad_id: int("pad_token_id", 0),
    // bos_id and eos_id keep our defaults: BERT's [CLS] and [SEP] come from its tokenizer's post-processor
    pooling: "first",
    type_vocab_size: int("type_vocab_size", 2),
    embedding_norm: true,
    final_norm: false,
    pooler,
    head,
    num_classes: 0, // set below for a classifier
  };
  if (head === "mlm") out.tie_word_embeddings = given("tie_word_embeddings", true);
  if (head === "classifier") {
    const problem = raw.problem_type;
    if (problem != null && problem !== "single_label_classification") fail(`"problem_type" ${show(problem)} is not supported; expected "single_label_classification" (one label per text, softmax probabilities)`);
    const labels = labelsOf(raw, fail);
    if (labels.length < 2) fail(`"id2label" has ${labels.length} label; ${name} with one output is a regression, not supported`);
    out.num_classes = labels.length;
    out.labels = labels;
  }
  return out;
}

/** How a BERT tensor becomes ours: its name there (without "bert.") and its shape. */
interface Mapping {
  ours: string;
  shape: number[];
}

/** Q, K and V: three Linear layers there, stacked row-wise into in_proj here. */
const QKV = ["query", "key", "value"] as const;

function bertMappings(c: EncoderOnlyConfig): Map<string, Mapping> {
  const d = c.d_model, m = new Map<string, Mapping>();
  const add = (name: string, ours: string, shape: number[]) => m.set(name, { ours, shape });
  const norm = (name: string, ours: string) => {
    add(`${name}.weight`, `${ours}.weight`, [d]);
    add(`${name}.bias`, `${ours}.bias`, [d]);
  };
  add("embeddings.word_embeddings.weight", "embed.weight", [c.vocab_size, d]);
  add("embeddings.position_embeddings.weight", "pos.weight", [c.max_len, d]);
  add("embeddings.token_type_embeddings.weight", "type_embed.weight", [c.type_vocab_size!, d]);
  norm("embeddings.LayerNorm", "embed_norm");
  for (let i = 0; i < c.num_layers; i++) {
    const l = `encoder.layer.${i}`, ours = `stack.layers.${i}`;
    for (const p of QKV) {
      add(`${l}.attention.self.${p}.weight`, `${ours}.self_attn.${p}.weight`, [d, d]);
      add(`${l}.attention.self.${p}.bias`, `${ours}.self_attn.${p}.bias`, [d]);
    }
    add(`${l}.attention.output.dense.weight`, `${ours}.self_attn.out_proj.weight`, [d, d]);
    add(`${l}.attention.output.dense.bias`, `${ours}.self_attn.out_proj.bias`, [d]);
    norm(`${l}.attention.output.LayerNorm`, `${ours}.norm1`);
    add(`${l}.intermediate.dense.weight`, `${ours}.linear1.weight`, [c.d_ff, d]);
    add(`${l}.intermediate.dense.bias`, `${ours}.linear1.bias`, [c.d_ff]);
    add(`${l}.output.dense.weight`, `${ours}.linear2.weight`, [d, c.d_ff]);
    add(`${l}.output.dense.bias`, `${ours}.linear2.bias`, [d]);
    norm(`${l}.output.LayerNorm`, `${ours}.norm2`);
  }
  if (c.pooler) {
    add("pooler.dense.weight", "pooler.weight", [d, d]);
    add("pooler.dense.bias", "pooler.bias", [d]);
  }
  return m;
}

/** The heads' tensors (named as the heads' models save them, at the top level). */
function headMappings(c: EncoderOnlyConfig): Map<string, Mapping> {
  const d = c.d_model, m = new Map<string, Mapping>();
  if (c.head === "classifier") {
    m.set("classifier.weight", { ours: "classifier.weight", shape: [c.num_classes, d] });
    m.set("classifier.bias", { ours: "classifier.bias", shape: [c.num_classes] });
  }
  if (c.head === "mlm") {
    m.set("cls.predictions.transform.dense.weight", { ours: "mlm_dense.weight", shape: [d, d] });
    m.set("cls.predictions.transform.dense.bias", { ours: "mlm_dense.bias", shape: [d] });
    m.set("cls.predictions.transform.LayerNorm.weight", { ours: "mlm_norm.weight", shape: [d] });
    m.set("cls.predictions.transform.LayerNorm.bias", { ours: "mlm_norm.bias", shape: [d] });
    m.set("cls.predictions.bias", { ours: "mlm_decoder.bias", shape: [c.vocab_size] });
  }
  return m;
}

/**
 * What transformers drops too on loading: the position_ids buffer older versions saved, and in a BertForMaskedLM
 * the pooler and next-sentence head that the original Hub checkpoints (saved from BertForPreTraining) carry.
 */
function dropped(bare: string, c: EncoderOnlyConfig): boolean {
  if (bare === "embeddings.position_ids") return true;
  return c.head === "mlm" && (/^pooler\.dense\.(weight|bias)$/.test(bare) || /^cls\.seq_relationship\.(weight|bias)$/.test(bare));
}

/** Our state dict from BertModel's, BertForMaskedLM's or BertForSequenceClassification's tensors. */
function bertTensors(tensors: ReadonlyMap<string, NamedTensor>, c: EncoderOnlyConfig, fail: (message: string) => never): Map<string, NamedTensor> {
  const body = bertMappings(c), heads = headMappings(c);
  const prefixed = [...tensors.keys()].some((n) => n.startsWith("bert."));
  const mapped = new Map<string, NamedTensor>();
  const decoder: Partial<Record<"weight" | "bias", [string, NamedTensor]>> = {};
  const checkShape = (name: string, t: NamedTensor, shape: number[]) => {
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) fail(`tensor "${name}" has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] from config.json`);
  };
  for (const [name, t] of tensors) {
    // the names of TF-era checkpoints: LayerNorm.gamma / beta (transformers renames them too)
    const renamed = name.replace(/LayerNorm\.gamma$/, "LayerNorm.weight").replace(/LayerNorm\.beta$/, "LayerNorm.bias");
    if (renamed === "cls.predictions.decoder.weight" || renamed === "cls.predictions.decoder.bias") {
      decoder[renamed.endsWith("weight") ? "weight" : "bias"] = [name, t];
      continue;
    }
    const m = heads.get(renamed);
    if (m) {
      checkShape(name, t, m.shape);
      mapped.set(m.ours, t);
      continue;
    }
    if (prefixed && !renamed.startsWith("bert.")) {
      if (dropped(renamed, c)) continue;
      fail(`unexpected tensor "${name}" (not part of a ${c.head === "mlm" ? "BertForMaskedLM" : c.head === "classifier" ? "BertForSequenceClassification" : "BertModel"} with this config.json)`);
    }
    const bare = prefixed ? renamed.slice("bert.".length) : renamed;
    if (dropped(bare, c)) continue;
    const b = body.get(bare);
    if (!b) fail(`unexpected tensor "${name}" (not part of a BERT ${c.head === "none" ? "model" : "encoder"} with this config.json)`);
    checkShape(name, t, b!.shape);
    mapped.set(b!.ours, t);
  }
  const where = (n: string) => (heads.has(n) ? n : `${prefixed ? "bert." : ""}${n}`);
  for (const [name, m] of [...body, ...heads]) {
    if (!mapped.has(m.ours)) fail(`missing tensor "${where(name)}" of shape [${m.shape.join(", ")}]`);
  }
  const out = new Map<string, NamedTensor>();
  for (const [ours, t] of mapped) if (!/\.self_attn\.(query|key|value)\./.test(ours)) out.set(ours, t);
  const d = c.d_model;
  for (let i = 0; i < c.num_layers; i++) {
    const a = `stack.layers.${i}.self_attn`;
    const weight = new Float32Array(3 * d * d), bias = new Float32Array(3 * d);
    QKV.forEach((p, k) => {
      weight.set(mapped.get(`${a}.${p}.weight`)!.data, k * d * d); // rows Q | K | V
      bias.set(mapped.get(`${a}.${p}.bias`)!.data, k * d);
    });
    out.set(`${a}.in_proj_weight`, { shape: [3 * d, d], data: weight });
    out.set(`${a}.in_proj_bias`, { shape: [3 * d], data: bias });
  }
  if (c.head === "mlm") {
    const vocab = [c.vocab_size, d];
    if (decoder.weight) checkShape(decoder.weight[0], decoder.weight[1], vocab);
    if (!c.tie_word_embeddings && !decoder.weight) fail(`missing tensor "cls.predictions.decoder.weight" of shape [${vocab.join(", ")}] ("tie_word_embeddings" is false)`);
    // tied: one tensor under both names; a stored decoder weight must equal the word embeddings (loadStateDict checks)
    out.set("mlm_decoder.weight", decoder.weight?.[1] ?? out.get("embed.weight")!);
    const bias = out.get("mlm_decoder.bias")!;
    if (decoder.bias) {
      // transformers ties decoder.bias to cls.predictions.bias: two stored copies must agree
      checkShape(decoder.bias[0], decoder.bias[1], [c.vocab_size]);
      if (decoder.bias[1].data.some((v, i) => !Object.is(v, bias.data[i]))) fail(`tensors "${decoder.bias[0]}" and "cls.predictions.bias" differ; transformers ties them into one bias`);
    }
  } else {
    for (const [name] of Object.values(decoder) as Array<[string, NamedTensor]>) fail(`unexpected tensor "${name}" (a masked-LM head's, in a config whose "architectures" has none)`);
  }
  return out;
}

/** Our activation names, and the hidden_act written for each. */
const HIDDEN_ACT: Readonly<Record<string, string>> = { gelu: "gelu", gelu_tanh: "gelu_new", relu: "relu" };

/**
 * Our encoder_only config keys and the values BERT computes as we do: every key must be listed, so a key added to
 * encoder_only later is refused by the export until it is mapped here. bos_id and eos_id change no computation
 * (BERT's [CLS] and [SEP] are its tokenizer's), so they are not written.
 */
const WRITABLE: Readonly<Record<string, "any" | readonly unknown[]>> = {
  architecture: ["encoder_only"], vocab_size: "any", num_layers: "any", d_model: "any", num_heads: "any", d_ff: "any",
  dropout: "any", activation: Object.keys(HIDDEN_ACT), norm_first: [false], layer_norm_eps: "any", positional: ["learned"],
  max_len: "any", scale_embeddings: [false], tie_word_embeddings: "any", pad_id: "any", bos_id: "any", eos_id: "any",
  pooling: ["first"], type_vocab_size: "any", embedding_norm: [true], final_norm: [false], pooler: "any", head: "any",
  num_classes: "any", labels: "any",
  // informational keys of ours, not part of the network
  tokenizer: "any", created_by: "any",
};

/** transformers' BertConfig (config.json) for an encoder_only config that BERT computes; its keys as save_pretrained sorts them. */
function bertConfigOf(c: EncoderOnlyConfig, fail: (message: string) => never): Record<string, unknown> {
  for (const [key, value] of Object.entries(c)) {
    const allowed = WRITABLE[key];
    if (allowed === undefined) fail(`config key "${key}" has no BERT equivalent`);
    if (allowed !== "any" && !allowed!.includes(value)) fail(`config key "${key}" is ${show(value)}; BERT computes only ${allowed!.map(show).join(", ")}`);
  }
  for (const key of ["type_vocab_size", "embedding_norm", "final_norm"] as const) {
    if (c[key] === undefined) fail(`config key "${key}" is absent; BERT has ${key === "type_vocab_size" ? "token-type embeddings" : key === "embedding_norm" ? "a LayerNorm over the embeddings" : "no final norm"} (give it)`);
  }
  const head = c.head ?? "classifier";
  const [name, h] = Object.entries(HEADS).find(([, x]) => x.head === head)!;
  if ((c.pooler ?? false) !== h.pooler) fail(`config key "pooler" is ${show(c.pooler ?? false)}; ${name} has ${h.pooler ? "a pooler" : "none"}`);
  if (head === "classifier" && c.pooling !== "first") fail(`config key "pooling" is ${show(c.pooling)}; ${name} classifies [CLS]`);
  const labels = (c as { labels?: string[] }).labels ?? Array.from({ length: c.num_classes }, (_, i) => `LABEL_${i}`);
  const classes = head === "classifier"
    ? {
      id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries([...labels.map((l, i) => [l, i] as const)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    }
    : {};
  return {
    add_cross_attention: false,
    architectures: [name],
    attention_probs_dropout_prob: c.dropout,
    bos_token_id: null,
    classifier_dropout: null,
    dtype: "float32",
    eos_token_id: null,
    hidden_act: HIDDEN_ACT[c.activation],
    hidden_dropout_prob: c.dropout,
    hidden_size: c.d_model,
    ...(head === "classifier" ? { id2label: classes.id2label } : {}),
    initializer_range: 0.02,
    intermediate_size: c.d_ff,
    is_decoder: false,
    ...(head === "classifier" ? { label2id: classes.label2id } : {}),
    layer_norm_eps: c.layer_norm_eps,
    max_position_embeddings: c.max_len,
    model_type: "bert",
    num_attention_heads: c.num_heads,
    num_hidden_layers: c.num_layers,
    pad_token_id: c.pad_id,
    ...(head === "classifier" ? { problem_type: "single_label_classification" } : {}),
    // only the masked-LM head projects onto the vocabulary; the others keep transformers' default
    tie_word_embeddings: head === "mlm" ? c.tie_word_embeddings : true,
    type_vocab_size: c.type_vocab_size,
    use_cache: true,
    vocab_size: c.vocab_size,
  };
}

/** The model's tensors as save_pretrained writes them: the body under "bert." (BertModel: at the top), in_proj split into query, key, value. */
function bertTensorsOf(tensors: ReadonlyMap<string, NamedTensor>, c: EncoderOnlyConfig): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  const ours = (name: string): NamedTensor => {
    const t = tensors.get(name);
    if (!t) throw new Error(`bert export: the state dict has no "${name}"`); // stateDict(model) always has it
    return t;
  };
  const head = c.head ?? "classifier";
  const prefix = head === "none" ? "" : "bert.";
  const d = c.d_model;
  for (const [name, m] of bertMappings(c)) {
    const qkv = /^stack\.layers\.(\d+)\.self_attn\.(query|key|value)\.(weight|bias)$/.exec(m.ours);
    if (!qkv) {
      out.set(prefix + name, ours(m.ours));
      continue;
    }
    const [, layer, part, kind] = qkv;
    const k = QKV.indexOf(part as (typeof QKV)[number]);
    const all = ours(`stack.layers.${layer}.self_attn.in_proj_${kind}`).data; // rows Q | K | V
    const size = kind === "weight" ? d * d : d;
    out.set(prefix + name, { shape: m.shape, data: all.slice(k * size, (k + 1) * size) });
  }
  for (const [name, m] of headMappings(c)) out.set(name, ours(m.ours));
  if (head === "mlm" && !c.tie_word_embeddings) out.set("cls.predictions.decoder.weight", ours("mlm_decoder.weight"));
  return out;
}

const bertWriter: HuggingFaceWriter<EncoderOnlyConfig> = {
  config: bertConfigOf,
  tensors: bertTensorsOf,
  tokenizerClass: "BertTokenizer",
};

export const bertFormat: HuggingFaceFormat<EncoderOnlyConfig> = {
  config: bertConfig,
  tensors: bertTensors,
  write: bertWriter,
};
