/** Shared by the ONNX export tests: export a model to a temporary folder and run its files in ONNX Runtime. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { DECODER_MERGED_FILE, ENCODER_FILE, type OnnxExportOptions, exportOnnx } from "../../src/export/index.js";
import { EncoderOnly, initParameters, parseConfig, type EncoderOnlyConfig, type Model, type TokenBatch } from "../../src/models/index.js";
import type { Variant } from "../generate/models.js";

export { ort };

/** The export of `model` in a new temporary folder. */
export function exported(model: Model, opts: OnnxExportOptions = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onnx-export-"));
  exportOnnx(model, dir, opts);
  return dir;
}

/** An ONNX Runtime session on one thread (the tests share two cores with other work). */
export function session(dir: string, file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(dir, file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/** Sessions on a seq2seq export's encoder and merged decoder, as the ORT drivers take them. */
export async function seq2seqSessions(dir: string): Promise<{ encoder: ort.InferenceSession; decoderMerged: ort.InferenceSession }> {
  return { encoder: await session(dir, ENCODER_FILE), decoderMerged: await session(dir, DECODER_MERGED_FILE) };
}

/**
 * The merged decoder's feeds besides input_ids and encoder_attention_mask: the first-step branch (past with 0
 * positions) given `memory`, or the cached branch given `past` (encoder_hidden_states then unread: 0 positions).
 */
export function mergedFeeds(c: { num_heads: number; num_decoder_layers: number; d_model: number }, rows: number, from: { memory: ort.Tensor } | { past: Record<string, ort.Tensor> }): Record<string, ort.Tensor> {
  const dK = c.d_model / c.num_heads;
  if ("past" in from) {
    return { encoder_hidden_states: new ort.Tensor("float32", new Float32Array(0), [rows, 0, c.d_model]), ...from.past, use_cache_branch: new ort.Tensor("bool", [true], [1]) };
  }
  const feeds: Record<string, ort.Tensor> = { encoder_hidden_states: from.memory, use_cache_branch: new ort.Tensor("bool", [false], [1]) };
  for (let i = 0; i < c.num_decoder_layers; i++) {
    for (const kv of ["decoder.key", "decoder.value", "encoder.key", "encoder.value"]) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [rows, c.num_heads, 0, dK]);
  }
  return feeds;
}

export function int64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  return new ort.Tensor("int64", BigInt64Array.from(Array.from(values), BigInt), dims);
}

/** A batch's ids as input_ids and its attention_mask (1 where the id is not pad, as our padding masks). */
export function idsAndMask(batch: TokenBatch, pad: number): { input_ids: ort.Tensor; attention_mask: ort.Tensor } {
  const dims = [batch.batch, batch.length];
  return { input_ids: int64(batch.ids, dims), attention_mask: int64(Array.from(batch.ids, (t) => (t === pad ? 0 : 1)), dims) };
}

/** Max |a − b| and the shapes, for assertion messages. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The largest |Δlogit| each test saw, printed at the end so that a run reports them. */
export const seen = new Map<string, number>();
export function record(what: string, diff: number): number {
  seen.set(what, Math.max(seen.get(what) ?? 0, diff));
  return diff;
}
export function report(): void {
  for (const [what, d] of seen) process.stdout.write(`max |Δ| ${what}: ${d.toExponential(2)}\n`);
}

/** Logits must agree this closely (the bound). */
export const TOLERANCE = 1e-4;

export function tinyEncoderOnly(v: Variant, pooling: "first" | "mean", seed = 1): EncoderOnly {
  const cfg = parseConfig({
    architecture: "encoder_only", vocab_size: 13, num_layers: 2, num_classes: 3, pooling, d_model: 16, num_heads: 4, d_ff: 32,
    dropout: 0.1, max_len: 32, norm_first: v.norm_first, positional: v.positional, activation: v.activation,
  }) as EncoderOnlyConfig;
  const m = new EncoderOnly(cfg);
  initParameters(m, seed);
  return m.eval();
}
