/**
 * Greedy decoding of an exported model by ONNX Runtime, over the KV cache the graphs return: the same search as
 * the library's (src/generate/search.ts with strategy "greedy"), so that it gives the same token ids. The
 * runtime is passed in (onnxruntime-node or onnxruntime-web: only `Tensor` and sessions' `run` are used), so
 * this module depends on neither.
 *
 *   const ort = await import("onnxruntime-node");
 *   const open = (f: string) => ort.InferenceSession.create(path.join(dir, f));
 *   const sessions = { encoder: await open("encoder_model.onnx"), decoder: await open("decoder_model.onnx"), decoderWithPast: await open("decoder_with_past_model.onnx") };
 *   const [out] = await ortGreedySeq2Seq(ort, sessions, config, [tokenizer.encode("God is love.")]);
 */
import { DEFAULT_MAX_NEW_TOKENS } from "../models/architectures/decoder-only.js";
import { SOURCE_LENGTH_MARGIN } from "../models/architectures/seq2seq.js";
import type { DecoderOnlyConfig, Seq2SeqConfig } from "../models/index.js";
import { argmax } from "../tensor/index.js";

/** A runtime tensor: its data (Float32Array for float32, BigInt64Array for int64) and its dims. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtTensorConstructor {
  new (type: "int64", data: BigInt64Array, dims: readonly number[]): OrtTensor;
  new (type: "float32", data: Float32Array, dims: readonly number[]): OrtTensor;
}

/** What the driver needs of an InferenceSession. */
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}

export interface OrtSeq2SeqSessions {
  encoder: OrtSession;
  decoder: OrtSession;
  decoderWithPast: OrtSession;
}

export interface OrtGreedyOptions {
  /** Most tokens to generate per input (default as the library's: source length + 50, or 50 for a prompt). */
  maxNewTokens?: number;
}

/** One input's generated ids (eos included when it ended so) and why it stopped, as the library's Hypothesis. */
export interface OrtGreedyResult {
  tokens: number[];
  finish: "eos" | "length" | "max_len";
}

type Feeds = Record<string, OrtTensor>;

function int64(ort: { Tensor: OrtTensorConstructor }, values: ArrayLike<number>, dims: number[]): OrtTensor {
  return new ort.Tensor("int64", BigInt64Array.from(Array.from(values), BigInt), dims);
}

/** Rows `index` of a (B, ...) tensor, as a new tensor of the same type. */
function selectRows(ort: { Tensor: OrtTensorConstructor }, t: OrtTensor, index: readonly number[]): OrtTensor {
  const [B, ...rest] = t.dims;
  const data = t.data as Float32Array | BigInt64Array;
  const inner = B === 0 ? 0 : data.length / B;
  const out = data instanceof BigInt64Array ? new BigInt64Array(index.length * inner) : new Float32Array(index.length * inner);
  index.forEach((r, i) => out.set(data.subarray(r * inner, (r + 1) * inner) as never, i * inner));
  return out instanceof BigInt64Array ? new ort.Tensor("int64", out, [index.length, ...rest]) : new ort.Tensor("float32", out, [index.length, ...rest]);
}

/** A (B, W) int64 mask with one more column: 1, or 0 where that row's new token is pad (as growPaddingMask). */
function growMask(ort: { Tensor: OrtTensorConstructor }, mask: OrtTensor, tokens: readonly number[], pad: number): OrtTensor {
  const [B, W] = mask.dims;
  const old = mask.data as BigInt64Array;
  const out = new BigInt64Array(B * (W + 1));
  for (let b = 0; b < B; b++) {
    out.set(old.subarray(b * W, (b + 1) * W), b * (W + 1));
    out[b * (W + 1) + W] = tokens[b] === pad ? 0n : 1n;
  }
  return new ort.Tensor("int64", out, [B, W + 1]);
}

/** What a search step needs of a model: the next logits per row, and dropping rows that finished. */
interface Stepper {
  /** Logits (rows, V) at each row's last position. */
  logits: Float32Array;
  vocab: number;
  positionsLeft(row: number): number;
  select(index: readonly number[]): void;
  step(tokens: readonly number[]): Promise<void>;
}

/** Greedy search as the library's tokenSearch: argmax (lowest id among ties), finished rows dropped. */
async function greedy(stepper: Stepper, limits: readonly number[], eos: number): Promise<OrtGreedyResult[]> {
  const out: OrtGreedyResult[] = limits.map(() => ({ tokens: [], finish: "length" }));
  let active = limits.map((_, i) => i); // row → input
  for (;;) {
    const keep: number[] = [], next: number[] = [];
    active.forEach((input, row) => {
      const token = argmax(stepper.logits, row * stepper.vocab, (row + 1) * stepper.vocab);
      const h = out[input];
      h.tokens.push(token);
      if (token === eos) h.finish = "eos";
      else if (h.tokens.length >= limits[input]) h.finish = "length";
      else if (stepper.positionsLeft(row) <= 0) h.finish = "max_len";
      else {
        keep.push(row);
        next.push(token);
      }
    });
    if (keep.length === 0) return out;
    if (keep.length < active.length) {
      stepper.select(keep);
      active = keep.map((row) => active[row]);
    }
    await stepper.step(next);
  }
}

/** Rows of ids padded to one length with `pad`, on the right (seq2seq sources) or on the left (prompts). */
function padded(rows: readonly (readonly number[])[], pad: number, left: boolean): { ids: number[]; width: number; shift: number[] } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids: number[] = [], shift: number[] = [];
  for (const r of rows) {
    const fill = new Array<number>(width - r.length).fill(pad);
    ids.push(...(left ? [...fill, ...r] : [...r, ...fill]));
    shift.push(left ? width - r.length : 0);
  }
  return { ids, width, shift };
}

function checkInputs(rows: readonly (readonly number[])[], maxLen: number): void {
  if (rows.length === 0) throw new Error("ortGreedy: no inputs");
  rows.forEach((r, i) => {
    if (r.length === 0 || r.length > maxLen) throw new Error(`ortGreedy: input ${i} has ${r.length} tokens; expected 1 to max_len ${maxLen}`);
  });
}

/** Each row's logits (rows, V) at its last position, from logits (rows, T, V). */
function lastPositions(logits: OrtTensor): Float32Array {
  const [B, T, V] = logits.dims;
  const all = logits.data as Float32Array;
  if (T === 1) return all;
  const out = new Float32Array(B * V);
  for (let b = 0; b < B; b++) out.set(all.subarray(((b + 1) * T - 1) * V, (b + 1) * T * V), b * V);
  return out;
}

/**
 * Translates source id rows with an exported seq2seq model: the encoder once, decoder_model on bos, then
 * decoder_with_past_model one token per step. Once a row has been fed pad (a model may emit it; ours then masks
 * that position, which the cache cannot say), every later step runs decoder_model over the whole target so far.
 */
export async function ortGreedySeq2Seq(
  ort: { Tensor: OrtTensorConstructor }, sessions: OrtSeq2SeqSessions, config: Seq2SeqConfig,
  sources: readonly (readonly number[])[], opts: OrtGreedyOptions = {},
): Promise<OrtGreedyResult[]> {
  checkInputs(sources, config.max_len);
  const { pad_id: pad, bos_id: bos } = config;
  const src = padded(sources, pad, false);
  const B = sources.length;
  let encMask = int64(ort, src.ids.map((t) => (t === pad ? 0 : 1)), [B, src.width]);
  let memory = (await sessions.encoder.run({ input_ids: int64(ort, src.ids, [B, src.width]), attention_mask: encMask })).last_hidden_state;
  let histories = sources.map(() => [bos]); // what each row's decoder has been fed
  let past: Feeds = {};
  let uncached = false;
  const decode = async (): Promise<Float32Array> => {
    const T = histories[0].length;
    const out = uncached || T === 1
      ? await sessions.decoder.run({ input_ids: int64(ort, histories.flat(), [histories.length, T]), encoder_hidden_states: memory, encoder_attention_mask: encMask })
      : await sessions.decoderWithPast.run({ input_ids: int64(ort, histories.map((h) => h[T - 1]), [histories.length, 1]), encoder_attention_mask: encMask, ...past });
    for (const [name, t] of Object.entries(out)) if (name.startsWith("present.")) past[name.replace("present.", "past_key_values.")] = t;
    return lastPositions(out.logits);
  };
  const stepper: Stepper = {
    logits: await decode(),
    vocab: config.tgt_vocab_size,
    positionsLeft: () => config.max_len - histories[0].length,
    select(index) {
      past = Object.fromEntries(Object.entries(past).map(([k, t]) => [k, selectRows(ort, t, index)]));
      encMask = selectRows(ort, encMask, index);
      memory = selectRows(ort, memory, index);
      histories = index.map((i) => histories[i]);
    },
    async step(tokens) {
      histories = histories.map((h, r) => [...h, tokens[r]]);
      if (tokens.includes(pad)) uncached = true;
      this.logits = await decode();
    },
  };
  return greedy(stepper, sources.map((s) => opts.maxNewTokens ?? s.length + SOURCE_LENGTH_MARGIN), config.eos_id);
}

/** Continues prompt id rows with an exported decoder_only model (model.onnx); prompts are left-padded as the library does. */
export async function ortGreedyDecoderOnly(
  ort: { Tensor: OrtTensorConstructor }, session: OrtSession, config: DecoderOnlyConfig,
  prompts: readonly (readonly number[])[], opts: OrtGreedyOptions = {},
): Promise<OrtGreedyResult[]> {
  checkInputs(prompts, config.max_len);
  const { pad_id: pad, num_layers: L, num_heads: h } = config;
  const dK = config.d_model / h;
  const p = padded(prompts, pad, true);
  let shift = p.shift;
  let rows = prompts.length;
  let mask = int64(ort, p.ids.map((t) => (t === pad ? 0 : 1)), [rows, p.width]);
  let past: Feeds = {};
  for (let i = 0; i < L; i++) {
    for (const kv of ["key", "value"]) past[`past_key_values.${i}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [rows, h, 0, dK]);
  }
  let offset = 0;
  let logits: Float32Array = new Float32Array(0);
  const run = async (ids: readonly number[], width: number): Promise<void> => {
    const positions = Array.from({ length: rows * width }, (_, i) => Math.max(0, offset + (i % width) - shift[Math.floor(i / width)]));
    const out = await session.run({ input_ids: int64(ort, ids, [rows, width]), attention_mask: mask, position_ids: int64(ort, positions, [rows, width]), ...past });
    past = {};
    for (let i = 0; i < L; i++) for (const kv of ["key", "value"]) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
    logits = lastPositions(out.logits);
    offset += width;
  };
  await run(p.ids, p.width);
  const stepper: Stepper = {
    logits,
    vocab: config.vocab_size,
    positionsLeft: (row) => config.max_len - (offset - shift[row]),
    select(index) {
      past = Object.fromEntries(Object.entries(past).map(([k, t]) => [k, selectRows(ort, t, index)]));
      mask = selectRows(ort, mask, index);
      shift = index.map((i) => shift[i]);
      rows = index.length;
    },
    async step(tokens) {
      mask = growMask(ort, mask, tokens, pad);
      await run(tokens, 1);
      this.logits = logits;
    },
  };
  return greedy(stepper, prompts.map(() => opts.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS), config.eos_id);
}
