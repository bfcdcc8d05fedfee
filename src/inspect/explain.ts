/**
 * The numbers of the tutorial's walk through an encoder-decoder ("Learn it by watching it"): one real forward
 * pass of a seq2seq model over a source sentence and a target prefix, every intermediate value recorded where
 * the model computes it (the recorder of src/tensor/recorder.ts, passed down encode and decode), then a second
 * decoding step over the same KV cache, and what beam search would keep. Nothing here recomputes the model; the
 * only values derived are derived by definition: scores ÷ √dK (the kernel scales inside its softmax), LayerNorm's
 * variance from the kernel's 1/√(variance + eps), and softmax at a temperature from the recorded logits
 * (src/inspect/explain-temperature.ts); W_Q, W_K, W_V of the focus head are copied from the model's weights.
 * Browser-safe (no Node imports): the page can run it too.
 */
import { OptionError } from "../errors.js";
import { type TokenBatch, paddingMask, tokenBatch } from "../models/batch.js";
import type { Encoded, Seq2Seq } from "../models/seq2seq.js";
import { type DecoderLayerCache, inference } from "../nn/index.js";
import { cachedRows } from "../nn/attention.js";
import { growPaddingMask } from "../nn/kv-cache.js";
import { type Recorder, argmax } from "../tensor/index.js";
import { beamAside } from "./explain-beam.js";
import { clampDecoderStep, greedyTranslation, prefixAt } from "./explain-decoder-step.js";
import { softmaxAtTemperature } from "./explain-temperature.js";
import type {
  AddNormRecord, AttentionRecord, CacheUse, CandidateToken, DecoderLayerRecord, DecoderStepRecord, EmbeddingRecord,
  EncoderLayerRecord, ExplainConfig, ExplainFocus, Explanation, FeedForwardRecord, HeadWeightsRecord, LayerNormRecord, Matrix, PredictionRecord,
  TokensRecord,
} from "./explain-record.js";

export interface ExplainOptions {
  /** The decoder's input so far, bos first. @default [bos] */
  prefix?: readonly number[];
  /**
   * Follow position t of the model's greedy translation instead of a prefix: the decoder reads bos and the first
   * t tokens it chose (src/inspect/explain-decoder-step.ts). Integer in 0..n−1 for an n-token translation.
   */
  decoderStep?: number;
  /** true: a decoderStep (or its absence) past the translation's last position follows the nearest one it has. */
  clampDecoderStep?: boolean;
  /** Softmax temperature of the predictions' `probAtTemperature` (> 0). @default 1 */
  temperature?: number;
  /** Tokens listed per prediction (integer ≥ 1). @default 5 */
  topN?: number;
  /** Beam width of the beam-search aside (integer ≥ 1; 0 leaves it out). @default 4 */
  numBeams?: number;
  /** Steps of the beam-search aside (integer ≥ 1). @default 2 */
  beamSteps?: number;
  /** GNMT length penalty α of the aside. @default 0.6 */
  lengthPenalty?: number;
  /** The layer, head and source token the walk looks at closely. @default 0, 0, 0 */
  layer?: number;
  head?: number;
  token?: number;
  sourceLabel?: (id: number) => string;
  targetLabel?: (id: number) => string;
}

/** The values one pass recorded, by name, each copied (a recorder's data may be overwritten after the call). */
class Tape {
  private readonly values = new Map<string, { data: Float32Array; shape: number[] }>();
  readonly recorder: Recorder = (name, data, shape) => {
    if (this.values.has(name)) throw new Error(`explain: ${name} was recorded twice in one pass`);
    this.values.set(name, { data: data.slice(), shape: [...shape] });
  };

  get(name: string): { data: Float32Array; shape: number[] } {
    const v = this.values.get(name);
    if (!v) throw new Error(`explain: the forward pass recorded no ${name}`);
    return v;
  }

  /** A (B = 1, rows, cols) value — or (rows, cols), or (rows) as one column per row — as rows. */
  rows(name: string): Matrix {
    const { data, shape } = this.get(name);
    const cols = shape.length === 1 ? 1 : shape[shape.length - 1];
    return matrix(data, data.length / cols, cols);
  }

  /** A (B = 1, rows) or (rows) value as numbers. */
  vector(name: string): number[] {
    return Array.from(this.get(name).data);
  }
}

/** rows × cols of data from `offset`, columns col..col+width-1 of rows `stride` wide. */
function matrix(data: Float32Array, rows: number, cols: number, offset = 0, col = 0, width = cols): Matrix {
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(offset + r * cols + col, offset + r * cols + col + width)));
}

function checkInt(key: string, v: unknown, min: number, max: number, why: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new OptionError(key, `must be an integer in ${min}..${max} (${why}), got ${JSON.stringify(v)}`);
  }
  return v;
}

function explainConfig(model: Seq2Seq): ExplainConfig {
  const c = model.config;
  return {
    dModel: c.d_model, numHeads: c.num_heads, dK: c.d_model / c.num_heads, dFF: c.d_ff,
    numEncoderLayers: c.num_encoder_layers, numDecoderLayers: c.num_decoder_layers,
    normFirst: c.norm_first, finalNorm: c.final_norm !== false, activation: c.activation, positional: c.positional,
    sinusoidLayout: c.sinusoid_layout ?? "interleaved", scaleEmbeddings: c.scale_embeddings,
    layerNormEps: c.layer_norm_eps, maxLen: c.max_len, srcVocabSize: c.src_vocab_size, tgtVocabSize: c.tgt_vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings, padId: c.pad_id, bosId: c.bos_id, eosId: c.eos_id,
  };
}

function embeddingRecord(tape: Tape, embed: string, pos: string, offset: number, scale: number): EmbeddingRecord {
  const rows = tape.rows(`${embed}.rows`);
  return {
    rows, scale, scaled: tape.rows(`${embed}.scaled`),
    positions: rows.map((_, t) => offset + t),
    positional: tape.rows(`${pos}.terms`),
    sum: tape.rows(`${pos}.sum`),
  };
}

function attentionRecord(tape: Tape, p: string, kind: AttentionRecord["kind"], layer: number, numHeads: number, cache: CacheUse): AttentionRecord {
  const q = tape.get(`${p}.q`), k = tape.get(`${p}.k`), v = tape.get(`${p}.v`); // (1, T, d), (1, S, d), (1, S, d)
  const scores = tape.get(`${p}.scores`).data, weights = tape.get(`${p}.weights`).data; // (1, h, T, S)
  const concat = tape.get(`${p}.concat`).data; // (1, T, d)
  const [, T, d] = q.shape;
  const S = k.shape[1];
  const dK = d / numHeads;
  const scale = 1 / Math.sqrt(dK);
  const heads = Array.from({ length: numHeads }, (_, i) => {
    const raw = matrix(scores, T, S, i * T * S);
    return {
      q: matrix(q.data, T, d, 0, i * dK, dK), k: matrix(k.data, S, d, 0, i * dK, dK), v: matrix(v.data, S, d, 0, i * dK, dK),
      scores: raw, scaled: raw.map((row) => row.map((x) => x * scale)),
      weights: matrix(weights, T, S, i * T * S),
      output: matrix(concat, T, d, 0, i * dK, dK),
    };
  });
  return {
    kind, layer, queries: T, keys: S, keysFrom: kind === "cross" ? "encoder output" : "input", scale,
    masked: tape.rows(`${p}.mask`).map((row) => row.map((m) => m === -Infinity)),
    heads, concat: matrix(concat, T, d), output: tape.rows(`${p}.output`), cache,
  };
}

function layerNormRecord(tape: Tape, p: string, eps: number): LayerNormRecord {
  return {
    input: tape.rows(`${p}.input`), mean: tape.vector(`${p}.mean`),
    variance: tape.vector(`${p}.rstd`).map((r) => 1 / (r * r) - eps),
    output: tape.rows(`${p}.output`),
  };
}

function addNormRecord(tape: Tape, p: string, i: number, eps: number): AddNormRecord {
  return {
    input: tape.rows(`${p}.sublayer${i}.input`), sum: tape.rows(`${p}.sublayer${i}.sum`),
    norm: layerNormRecord(tape, `${p}.norm${i}`, eps), output: tape.rows(`${p}.sublayer${i}.output`),
  };
}

function feedForwardRecord(tape: Tape, p: string): FeedForwardRecord {
  const activated = tape.rows(`${p}.activated`);
  return {
    hidden: tape.rows(`${p}.hidden`), activated, zeros: activated.map((row) => row.filter((x) => x === 0).length),
    output: tape.rows(`${p}.output`),
  };
}

function tokens(ids: readonly number[], label: (id: number) => string): TokensRecord {
  return { ids: [...ids], tokens: ids.map(label) };
}

/** The topN tokens by logit and the chosen (most likely) one of one row of logits; softmax in float64. */
function prediction(logits: number[], position: number, temperature: number, topN: number, label: (id: number) => string): PredictionRecord {
  const ids = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b).slice(0, topN);
  const p1 = softmaxAtTemperature(logits, 1, ids), pT = softmaxAtTemperature(logits, temperature, ids);
  const top: CandidateToken[] = ids.map((id, i) => ({ id, token: label(id), logit: logits[id], prob: p1[i], probAtTemperature: pT[i] }));
  const chosen = argmax(logits); // as greedy search chooses (src/generate/search.ts)
  return { position, temperature, top, chosen: { id: chosen, token: label(chosen) } };
}

/** Rows head·dK.. of W_Q, W_K, W_V and their biases, of encoder layer `layer`'s self-attention. */
function headWeights(model: Seq2Seq, layer: number, head: number): HeadWeightsRecord {
  const attn = model.transformer.encoder.layers.items[layer].selfAttn;
  const d = model.config.d_model;
  const dK = d / model.config.num_heads;
  const w = attn.inProjWeight.data, b = attn.inProjBias.data; // (3·dModel, dModel), (3·dModel)
  const part = (i: number) => ({ w: matrix(w, dK, d, (i * d + head * dK) * d), b: Array.from(b.subarray(i * d + head * dK, i * d + (head + 1) * dK)) });
  const [q, k, v] = [part(0), part(1), part(2)];
  return { layer, head, wQ: q.w, bQ: q.b, wK: k.w, bK: k.b, wV: v.w, bV: v.b };
}

/**
 * One decoder run over `ids` at position `offset`, its keys and values joining `cache` as a decoding step's do
 * (src/models/step-decoder.ts), recorded.
 */
function decoderStep(
  model: Seq2Seq, enc: Encoded, cache: DecoderLayerCache[], step: number, ids: readonly number[], offset: number, tgtKeyPad: Uint8Array | null,
  opts: { temperature: number; topN: number; label: (id: number) => string },
): DecoderStepRecord {
  const c = model.config;
  const S = enc.memory.shape[1];
  const before = cache.map((l) => ({ self: cachedRows(l.self), cross: l.cross.k ? S : 0 }));
  const tape = new Tape();
  const tgt: TokenBatch = tokenBatch([ids]);
  const hidden = model.decode(tgt, enc, { cache, offset, tgtKeyPad, recorder: tape.recorder }); // (1, T, dModel)
  const logits = matrix(model.logits(hidden).data, ids.length, c.tgt_vocab_size); // (T, V)
  const eps = c.layer_norm_eps;
  const layers = model.transformer.decoder.layers.items.map((_, i): DecoderLayerRecord => {
    const p = `transformer.decoder.layers.${i}`;
    const self: CacheUse = { reusedRows: before[i].self, newRows: cachedRows(cache[i].self) - before[i].self };
    const cross: CacheUse = { reusedRows: before[i].cross, newRows: S - before[i].cross };
    return {
      layer: i, input: tape.rows(`${p}.sublayer1.input`),
      selfAttention: attentionRecord(tape, `${p}.self_attn`, "decoder", i, c.num_heads, self), addNorm1: addNormRecord(tape, p, 1, eps),
      crossAttention: attentionRecord(tape, `${p}.multihead_attn`, "cross", i, c.num_heads, cross), addNorm2: addNormRecord(tape, p, 2, eps),
      feedForward: feedForwardRecord(tape, `${p}.feed_forward`), addNorm3: addNormRecord(tape, p, 3, eps),
      output: tape.rows(`${p}.sublayer3.output`),
    };
  });
  return {
    step, offset, input: tokens(ids, opts.label),
    embedding: embeddingRecord(tape, "tgt_embed", "tgt_pos", offset, c.scale_embeddings ? Math.sqrt(c.d_model) : 1),
    layers, finalNorm: c.final_norm === false ? null : layerNormRecord(tape, "transformer.decoder.norm", eps), output: matrix(hidden.data, ids.length, c.d_model),
    logits, prediction: prediction(logits[ids.length - 1], offset + ids.length - 1, opts.temperature, opts.topN, opts.label),
  };
}

/**
 * Runs a seq2seq model over `source` and the target prefix (default: bos alone; or bos and the first `decoderStep`
 * tokens of its greedy translation) and returns every intermediate
 * value of the encoder and of the decoder (step 1), then of the decoder fed the token it chose, over the KV cache
 * step 1 filled (step 2, unless the prefix fills max_len), and beam search's first steps from bos.
 */
export function explainSeq2Seq(model: Seq2Seq, source: readonly number[], opts: ExplainOptions = {}): Explanation {
  const c = model.config;
  if (source.length === 0) throw new OptionError("explain: the source needs at least one token");
  const label = opts.targetLabel ?? String;
  const atStep = opts.decoderStep !== undefined || opts.clampDecoderStep === true;
  if (atStep && opts.prefix !== undefined) throw new OptionError("decoderStep", (name) => `${name("decoderStep")} and ${name("prefix")} both set the decoder's input: give one`);
  const srcBad = source.find((id) => !Number.isInteger(id) || id < 0 || id >= c.src_vocab_size);
  if (srcBad !== undefined) throw new OptionError(`explain: the source holds id ${srcBad}, outside the vocabulary 0..${c.src_vocab_size - 1}`);
  if (source.length > c.max_len) throw new OptionError(`explain: the source has ${source.length} tokens, more than the model's max_len ${c.max_len}`);
  const greedy = atStep ? greedyTranslation(model, source) : null;
  const position = greedy ? (opts.clampDecoderStep ? clampDecoderStep(opts.decoderStep, greedy) : opts.decoderStep) : undefined;
  const prefix = greedy ? prefixAt(model, greedy, position as number, label) : opts.prefix ?? [c.bos_id];
  if (prefix.length === 0) throw new OptionError("explain: the target prefix needs at least one token (bos)");
  for (const [what, ids, V] of [["source", source, c.src_vocab_size], ["target prefix", prefix, c.tgt_vocab_size]] as const) {
    if (ids.length > c.max_len) throw new OptionError(`explain: the ${what} has ${ids.length} tokens, more than the model's max_len ${c.max_len}`);
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= V);
    if (bad !== undefined) throw new OptionError(`explain: the ${what} holds id ${bad}, outside the vocabulary 0..${V - 1}`);
  }
  const temperature = opts.temperature ?? 1;
  if (!(typeof temperature === "number" && Number.isFinite(temperature) && temperature > 0)) {
    throw new OptionError("temperature", `must be a number > 0, got ${JSON.stringify(opts.temperature)}`);
  }
  const topN = checkInt("topN", opts.topN ?? 5, 1, Math.max(1, c.tgt_vocab_size), `the vocabulary has ${c.tgt_vocab_size} tokens`);
  const numBeams = checkInt("numBeams", opts.numBeams ?? 4, 0, c.tgt_vocab_size, "0 leaves beam search out");
  const beamSteps = checkInt("beamSteps", opts.beamSteps ?? 2, 1, c.max_len, `the model's max_len is ${c.max_len}`);
  const lengthPenalty = opts.lengthPenalty ?? 0.6;
  if (!Number.isFinite(lengthPenalty)) throw new OptionError("lengthPenalty", `must be a finite number, got ${JSON.stringify(opts.lengthPenalty)}`);
  const layers = Math.min(c.num_encoder_layers, c.num_decoder_layers);
  const focus: ExplainFocus = {
    layer: checkInt("layer", opts.layer ?? 0, 0, layers - 1,
      c.num_encoder_layers === c.num_decoder_layers ? `the model has ${layers} encoder and ${layers} decoder layer${layers === 1 ? "" : "s"}`
        : `a layer of both the encoder's ${c.num_encoder_layers} and the decoder's ${c.num_decoder_layers}`),
    head: checkInt("head", opts.head ?? 0, 0, c.num_heads - 1, `the model has ${c.num_heads} heads`),
    token: checkInt("token", opts.token ?? 0, 0, source.length - 1, `the source has ${source.length} tokens`),
  };
  const srcLabel = opts.sourceLabel ?? String;
  const eps = c.layer_norm_eps;
  const embedScale = c.scale_embeddings ? Math.sqrt(c.d_model) : 1;

  const { encoder, steps } = inference(model, () => {
    const tape = new Tape();
    const enc = model.encode(tokenBatch([source]), { recorder: tape.recorder });
    const S = source.length;
    const encoder = {
      embedding: embeddingRecord(tape, "src_embed", "src_pos", 0, embedScale),
      layers: model.transformer.encoder.layers.items.map((_, i): EncoderLayerRecord => {
        const p = `transformer.encoder.layers.${i}`;
        return {
          layer: i, input: tape.rows(`${p}.sublayer1.input`),
          selfAttention: attentionRecord(tape, `${p}.self_attn`, "encoder", i, c.num_heads, { reusedRows: 0, newRows: S }),
          addNorm1: addNormRecord(tape, p, 1, eps), feedForward: feedForwardRecord(tape, `${p}.feed_forward`), addNorm2: addNormRecord(tape, p, 2, eps),
          output: tape.rows(`${p}.sublayer2.output`),
        };
      }),
      finalNorm: c.final_norm === false ? null : layerNormRecord(tape, "transformer.encoder.norm", eps),
      output: matrix(enc.memory.data, S, c.d_model),
    };
    // decoding as Seq2SeqStepDecoder does: one cache per layer, a fed pad masked
    const cache: DecoderLayerCache[] = model.transformer.decoder.layers.items.map(() => ({ self: {}, cross: {} }));
    const pad = paddingMask(tokenBatch([prefix]), c.pad_id);
    const how = { temperature, topN, label };
    const first = decoderStep(model, enc, cache, 1, prefix, 0, pad, how);
    const steps = [first];
    const T = prefix.length;
    if (T < c.max_len) {
      const next = first.prediction.chosen.id;
      steps.push(decoderStep(model, enc, cache, 2, [next], T, growPaddingMask(pad, T, [next], c.pad_id), how));
    }
    return { encoder, steps };
  });
  return {
    format: "transformer-explain", version: 1,
    config: explainConfig(model), source: tokens(source, srcLabel),
    ...(greedy ? { translation: { ...tokens(greedy, label), decoderStep: position as number } } : {}), focus, focusWeights: headWeights(model, focus.layer, focus.head), encoder, steps,
    beam: numBeams > 0 ? beamAside(model, source, { numBeams, steps: beamSteps, lengthPenalty, label }) : null,
  };
}

/**
 * The explanation as JSON: numbers with 9 significant digits, which give every float32 back exactly
 * (Math.fround of the parsed number).
 */
export function explanationJson(e: Explanation, space?: number): string {
  return JSON.stringify(e, (_, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v), space);
}
