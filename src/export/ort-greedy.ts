/**
 * Greedy decoding of an exported model by ONNX Runtime, over the KV cache the graphs return: the same search as
 * the library's (src/generate/search.ts with strategy "greedy"), so that it gives the same token ids. The
 * runtime is passed in (onnxruntime-node or onnxruntime-web: only `Tensor` and sessions' `run` are used), so
 * this module depends on neither.
 *
 *   const ort = await import("onnxruntime-node");
 *   const open = (f: string) => ort.InferenceSession.create(path.join(dir, f));
 *   const sessions = { encoder: await open("onnx/encoder_model.onnx"), decoderMerged: await open("onnx/decoder_model_merged.onnx") };
 *   const [out] = await ortGreedySeq2Seq(ort, sessions, config, [tokenizer.encode("God is love.")]);
 */
import { DEFAULT_MAX_NEW_TOKENS } from "../models/architectures/decoder-only.js";
import { SOURCE_LENGTH_MARGIN } from "../models/architectures/seq2seq.js";
import { maskedPadId } from "../models/batch.js";
import type { DecoderOnlyConfig, Seq2SeqConfig } from "../models/index.js";
import { argmax } from "../tensor/index.js";
import {
  type OrtRuntime, type OrtSeq2SeqSessions, type OrtSession, type OrtStepper, type OrtTensor, checkInputs, int64, lastPositions, ortSeq2SeqStepper, padded,
  selectRows,
} from "./ort-stepper.js";

export type { OrtSeq2SeqSessions, OrtSession, OrtTensor, OrtTensorConstructor } from "./ort-stepper.js";

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

/** A (B, W) int64 mask with one more column: 1, or 0 where that row's new token is a masked pad (as growPaddingMask). */
function growMask(ort: OrtRuntime, mask: OrtTensor, tokens: readonly number[], pad: number | null): OrtTensor {
  const [B, W] = mask.dims;
  const old = mask.data as BigInt64Array;
  const out = new BigInt64Array(B * (W + 1));
  for (let b = 0; b < B; b++) {
    out.set(old.subarray(b * W, (b + 1) * W), b * (W + 1));
    out[b * (W + 1) + W] = tokens[b] === pad ? 0n : 1n;
  }
  return new ort.Tensor("int64", out, [B, W + 1]);
}

/** Greedy search as the library's tokenSearch: argmax (lowest id among ties), finished rows dropped. */
async function greedy(stepper: OrtStepper, limits: readonly number[], eos: number): Promise<OrtGreedyResult[]> {
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

/** Translates source id rows with an exported seq2seq model (the encoder once, then the cached decoder: ort-stepper.ts). */
export async function ortGreedySeq2Seq(
  ort: OrtRuntime, sessions: OrtSeq2SeqSessions, config: Seq2SeqConfig,
  sources: readonly (readonly number[])[], opts: OrtGreedyOptions = {},
): Promise<OrtGreedyResult[]> {
  const stepper = await ortSeq2SeqStepper(ort, sessions, config, sources, "ortGreedy");
  return greedy(stepper, sources.map((s) => opts.maxNewTokens ?? s.length + SOURCE_LENGTH_MARGIN), config.eos_id);
}

/** Continues prompt id rows with an exported decoder_only model (model.onnx); prompts are left-padded as the library does. */
export async function ortGreedyDecoderOnly(
  ort: OrtRuntime, session: OrtSession, config: DecoderOnlyConfig,
  prompts: readonly (readonly number[])[], opts: OrtGreedyOptions = {},
): Promise<OrtGreedyResult[]> {
  checkInputs(prompts, config.max_len, "ortGreedy");
  const { pad_id: pad, num_layers: L, num_heads: h } = config;
  const dK = config.d_model / h;
  const p = padded(prompts, pad, true);
  let shift = p.shift;
  let rows = prompts.length;
  // 0 at each row's left padding, and at a pad inside a prompt where pad is a token of its own (not GPT-2's eos): as promptPadding
  const masked = maskedPadId(config);
  let mask = int64(ort, p.ids.map((t, i) => (i % p.width < shift[Math.floor(i / p.width)] || t === masked ? 0 : 1)), [rows, p.width]);
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
  const stepper: OrtStepper = {
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
      mask = growMask(ort, mask, tokens, masked);
      await run(tokens, 1);
      this.logits = logits;
    },
  };
  return greedy(stepper, prompts.map(() => opts.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS), config.eos_id);
}
