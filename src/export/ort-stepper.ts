/**
 * An exported seq2seq model stepped through ONNX Runtime one token per row, over the KV cache its graphs return:
 * what the ORT-driven searches (ort-greedy.ts, ort-beam.ts) drive, as the library's searches drive its
 * Seq2SeqStepDecoder. The runtime is passed in (onnxruntime-node or onnxruntime-web: only `Tensor` and sessions'
 * `run` are used), so this module depends on neither.
 */
import { maskedPadId } from "../models/batch.js";
import type { Seq2SeqConfig } from "../models/index.js";

/** A runtime tensor: its data (Float32Array for float32, BigInt64Array for int64) and its dims. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtTensorConstructor {
  new (type: "int64", data: BigInt64Array, dims: readonly number[]): OrtTensor;
  new (type: "float32", data: Float32Array, dims: readonly number[]): OrtTensor;
  new (type: "bool", data: Uint8Array, dims: readonly number[]): OrtTensor;
}

/** What the drivers need of a runtime: its Tensor class. */
export interface OrtRuntime {
  Tensor: OrtTensorConstructor;
}

/** What the drivers need of an InferenceSession. */
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}

/** Sessions on an export's onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx. */
export interface OrtSeq2SeqSessions {
  encoder: OrtSession;
  decoderMerged: OrtSession;
}

/** What a search step needs of a model: the next logits per row, and keeping (reordering, repeating) rows. */
export interface OrtStepper {
  /** Logits (rows, V) at each row's last position; a search may overwrite them. */
  logits: Float32Array;
  vocab: number;
  positionsLeft(row: number): number;
  /** Keeps rows `index` in that order (repeats allowed). */
  select(index: readonly number[]): void;
  /** Feeds one token per row; `logits` then holds the next ones. */
  step(tokens: readonly number[]): Promise<void>;
}

type Feeds = Record<string, OrtTensor>;

export function int64(ort: OrtRuntime, values: ArrayLike<number>, dims: number[]): OrtTensor {
  return new ort.Tensor("int64", BigInt64Array.from(Array.from(values), BigInt), dims);
}

/** A bool tensor of shape [1] (the merged decoder's use_cache_branch). */
function bool(ort: OrtRuntime, value: boolean): OrtTensor {
  return new ort.Tensor("bool", Uint8Array.of(value ? 1 : 0), [1]);
}

/** Rows `index` of a (B, ...) tensor, as a new tensor of the same type. */
export function selectRows(ort: OrtRuntime, t: OrtTensor, index: readonly number[]): OrtTensor {
  const [B, ...rest] = t.dims;
  const data = t.data as Float32Array | BigInt64Array;
  const inner = B === 0 ? 0 : data.length / B;
  const out = data instanceof BigInt64Array ? new BigInt64Array(index.length * inner) : new Float32Array(index.length * inner);
  index.forEach((r, i) => out.set(data.subarray(r * inner, (r + 1) * inner) as never, i * inner));
  return out instanceof BigInt64Array ? new ort.Tensor("int64", out, [index.length, ...rest]) : new ort.Tensor("float32", out, [index.length, ...rest]);
}

/** Rows of ids padded to one length with `pad`, on the right (seq2seq sources) or on the left (prompts). */
export function padded(rows: readonly (readonly number[])[], pad: number, left: boolean): { ids: number[]; width: number; shift: number[] } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids: number[] = [], shift: number[] = [];
  for (const r of rows) {
    const fill = new Array<number>(width - r.length).fill(pad);
    ids.push(...(left ? [...fill, ...r] : [...r, ...fill]));
    shift.push(left ? width - r.length : 0);
  }
  return { ids, width, shift };
}

export function checkInputs(rows: readonly (readonly number[])[], maxLen: number, who: string): void {
  if (rows.length === 0) throw new Error(`${who}: no inputs`);
  rows.forEach((r, i) => {
    if (r.length === 0 || r.length > maxLen) throw new Error(`${who}: input ${i} has ${r.length} tokens; expected 1 to max_len ${maxLen}`);
  });
}

/** Each row's logits (rows, V) at its last position, from logits (rows, T, V). */
export function lastPositions(logits: OrtTensor): Float32Array {
  const [B, T, V] = logits.dims;
  const all = logits.data as Float32Array;
  if (T === 1) return all;
  const out = new Float32Array(B * V);
  for (let b = 0; b < B; b++) out.set(all.subarray(((b + 1) * T - 1) * V, (b + 1) * T * V), b * V);
  return out;
}

function isIdentity(index: readonly number[], rows: number): boolean {
  return index.length === rows && index.every((r, i) => r === i);
}

/**
 * Starts decoding source id rows with an exported seq2seq model: the encoder once, the merged decoder's first-step
 * branch on bos (the stepper's first logits), then its cached branch one token per step. Once a row has been fed
 * pad (a model may emit it; ours then masks that position, which the cache cannot say, unless pad is also bos or
 * eos: maskedPadId), every later step runs the first-step branch over the whole target so far.
 */
export async function ortSeq2SeqStepper(
  ort: OrtRuntime, sessions: OrtSeq2SeqSessions, config: Seq2SeqConfig, sources: readonly (readonly number[])[], who: string,
): Promise<OrtStepper> {
  checkInputs(sources, config.max_len, who);
  const { pad_id: pad, bos_id: bos } = config;
  const masked = maskedPadId(config);
  const src = padded(sources, pad, false);
  const B = sources.length;
  let encMask = int64(ort, src.ids.map((t) => (t === pad ? 0 : 1)), [B, src.width]);
  const memory = (await sessions.encoder.run({ input_ids: int64(ort, src.ids, [B, src.width]), attention_mask: encMask })).last_hidden_state;
  // the encoder states are read again only by the uncached fallback: keep which source each row is, copy them then
  let memoryRows = sources.map((_, i) => i);
  let histories = sources.map(() => [bos]); // what each row's decoder has been fed
  let past: Feeds = {};
  let uncached = false;
  const { num_heads: heads, num_decoder_layers: L, d_model: dModel } = config;
  /** What the branch not taken reads nothing of: past with 0 positions, or 0 encoder positions. */
  const emptyPast = (rows: number): Feeds => {
    const empty: Feeds = {};
    for (let i = 0; i < L; i++) {
      for (const name of ["decoder.key", "decoder.value", "encoder.key", "encoder.value"]) {
        empty[`past_key_values.${i}.${name}`] = new ort.Tensor("float32", new Float32Array(0), [rows, heads, 0, dModel / heads]);
      }
    }
    return empty;
  };
  const decode = async (): Promise<Float32Array> => {
    const T = histories[0].length, rows = histories.length;
    const out = uncached || T === 1
      ? await sessions.decoderMerged.run({
        input_ids: int64(ort, histories.flat(), [rows, T]), encoder_attention_mask: encMask,
        encoder_hidden_states: isIdentity(memoryRows, B) ? memory : selectRows(ort, memory, memoryRows), ...emptyPast(rows), use_cache_branch: bool(ort, false),
      })
      : await sessions.decoderMerged.run({
        input_ids: int64(ort, histories.map((h) => h[T - 1]), [rows, 1]), encoder_attention_mask: encMask,
        encoder_hidden_states: new ort.Tensor("float32", new Float32Array(0), [rows, 0, dModel]), ...past, use_cache_branch: bool(ort, true),
      });
    for (const [name, t] of Object.entries(out)) if (name.startsWith("present.")) past[name.replace("present.", "past_key_values.")] = t;
    return lastPositions(out.logits);
  };
  const stepper: OrtStepper = {
    logits: await decode(),
    vocab: config.tgt_vocab_size,
    positionsLeft: () => config.max_len - histories[0].length,
    select(index) {
      if (isIdentity(index, histories.length)) return;
      past = Object.fromEntries(Object.entries(past).map(([k, t]) => [k, selectRows(ort, t, index)]));
      encMask = selectRows(ort, encMask, index);
      memoryRows = index.map((i) => memoryRows[i]);
      histories = index.map((i) => histories[i]);
    },
    async step(tokens) {
      histories = histories.map((h, r) => [...h, tokens[r]]);
      if (masked !== null && tokens.includes(masked)) uncached = true;
      this.logits = await decode();
    },
  };
  return stepper;
}
