/**
 * ONNX nodes for MultiHeadAttention (paper §3.2.2) and the masks it reads. Keys and values leave and enter the
 * graph per head, (B, h, S, dK), as Hugging Face's exports lay out `present.*` and `past_key_values.*`.
 *
 * Masking follows our kernel (backend/js/softmax.ts) exactly: a masked score is replaced by float32's lowest
 * before the softmax and its weight is multiplied by 0 after it, so that a query that may see no key at all (a
 * left-padding position of a decoder_only batch) gets zero weights, as ours does, rather than NaN.
 */
import type { MultiHeadAttention } from "../nn/index.js";
import type { GraphBuilder } from "./graph.js";
import { linear, matmulBias } from "./blocks.js";

const FLOAT32_LOWEST = -3.4028234663852886e38;
/** TensorProto.DataType for Cast's `to`. */
const BOOL = 9, FLOAT = 1;

/** Which keys each query may see: `allowed` bool, broadcastable to (B, h, T, S), and the same as 0/1 floats. */
export interface AttentionMask {
  allowed: string;
  keep: string;
}

export function attentionMask(g: GraphBuilder, allowed: string): AttentionMask {
  return { allowed, keep: g.node("Cast", [allowed], { to: { int: FLOAT } }) };
}

/**
 * Which positions hold a token, (B, S) bool, from an int64 (B, S) attention mask (1: a token, 0: padding) and/or
 * the ids: our models mask every position whose id is pad_id, so the graphs do too.
 */
export function tokenPositions(g: GraphBuilder, from: { mask?: string; ids?: { ids: string; padId: number } }): string {
  const parts: string[] = [];
  if (from.mask) parts.push(g.node("Cast", [from.mask], { to: { int: BOOL } }));
  if (from.ids) parts.push(notPad(g, from.ids.ids, from.ids.padId));
  if (parts.length === 0) throw new Error("tokenPositions: neither a mask nor ids");
  return parts.length === 2 ? g.node("And", parts) : parts[0];
}

/** (B, S) bool token positions as the keys every query may see: (B, 1, 1, S). */
export function keysAllowed(g: GraphBuilder, tokens: string): string {
  return g.node("Unsqueeze", [tokens, g.int64([1, 2])]);
}

/** ids (B, T) int64 → (B, T) bool: true where the id is not pad_id. */
export function notPad(g: GraphBuilder, ids: string, padId: number): string {
  return g.node("Not", [g.node("Equal", [ids, g.int64([padId], true)])]);
}

/** Element `i` of a value's shape, as an int64 scalar. */
export function dimOf(g: GraphBuilder, value: string, i: number): string {
  return g.node("Gather", [g.node("Shape", [value]), g.int64([i], true)], { axis: { int: 0 } });
}

/** Elements `dims` of a value's shape, as a 1-D int64 tensor. */
export function dimsOf(g: GraphBuilder, value: string, dims: number[]): string {
  return g.node("Gather", [g.node("Shape", [value]), g.int64(dims)], { axis: { int: 0 } });
}

/**
 * Masked self-attention over `past` cached positions and `length` new ones: query t (at position past + t) may
 * see key s when s ≤ past + t. (1, 1, T, past + T) bool; `past` and `length` are int64 scalars.
 */
export function causalAllowed(g: GraphBuilder, past: string, length: string): string {
  const total = g.node("Add", [past, length]);
  const one = g.int64([1], true);
  const keys = g.node("Unsqueeze", [g.node("Range", [g.int64([0], true), total, one]), g.int64([0])]); // (1, past + T)
  const queries = g.node("Unsqueeze", [g.node("Range", [past, total, one]), g.int64([1])]); // (T, 1)
  return g.node("Unsqueeze", [g.node("LessOrEqual", [keys, queries]), g.int64([0, 1])]); // (1, 1, T, past + T)
}

/** (B, T, dModel) → (B, h, T, dK). */
function splitHeads(g: GraphBuilder, x: string, h: number, dK: number): string {
  return g.node("Transpose", [g.node("Reshape", [x, g.int64([0, 0, h, dK])])], { perm: { ints: [0, 2, 1, 3] } });
}

/** (B, h, T, dK) → (B, T, dModel). */
function mergeHeads(g: GraphBuilder, x: string, dModel: number): string {
  return g.node("Reshape", [g.node("Transpose", [x], { perm: { ints: [0, 2, 1, 3] } }), g.int64([0, 0, dModel])]);
}

/** softmax(Q Kᵀ / √dK) V (paper eq. 1) per head, masked: (B, h, T, dK). */
function scaledDotProduct(g: GraphBuilder, q: string, k: string, v: string, mask: AttentionMask, dK: number): string {
  const scores = g.node("Mul", [g.node("MatMul", [q, g.node("Transpose", [k], { perm: { ints: [0, 1, 3, 2] } })]), g.float(1 / Math.sqrt(dK))]); // (B, h, T, S)
  const masked = g.node("Where", [mask.allowed, scores, g.float(FLOAT32_LOWEST)]);
  const weights = g.node("Mul", [g.node("Softmax", [masked], { axis: { int: -1 } }), mask.keep]);
  return g.node("MatMul", [weights, v]);
}

/** Keys and values per head, (B, h, S, dK): what a layer's present.* outputs hold and its past_key_values.* feed. */
export interface KeysValues {
  key: string;
  value: string;
}

/**
 * Self-attention of x (B, T, dModel), after the `past` keys and values when decoding with a cache. Returns the
 * output and the keys and values of every position so far (past ones first).
 */
export function selfAttention(g: GraphBuilder, x: string, prefix: string, mha: MultiHeadAttention, mask: AttentionMask, past?: KeysValues): { out: string } & KeysValues {
  const h = mha.numHeads, dK = mha.dModel / h;
  return g.within(prefix, () => {
    const qkv = matmulBias(g, x, `${prefix}.in_proj_weight`, mha.inProjWeight, { name: `${prefix}.in_proj_bias`, t: mha.inProjBias }); // (B, T, 3·dModel)
    const [q, k, v] = g.nodeN("Split", [qkv], 3, { axis: { int: -1 } }).map((t) => splitHeads(g, t, h, dK));
    const key = past ? g.node("Concat", [past.key, k], { axis: { int: 2 } }) : k; // (B, h, past + T, dK)
    const value = past ? g.node("Concat", [past.value, v], { axis: { int: 2 } }) : v;
    const out = linear(g, mergeHeads(g, scaledDotProduct(g, q, key, value, mask, dK), mha.dModel), `${prefix}.out_proj`, mha.outProj);
    return { out, key, value };
  });
}

/**
 * Cross-attention of x (B, T, dModel) to the encoder output: its keys and values are computed from `memory`
 * (B, S, dModel) on the first step, or taken as they were then (`cached`). Returns them with the output.
 */
export function crossAttention(g: GraphBuilder, x: string, prefix: string, mha: MultiHeadAttention, mask: AttentionMask, from: { memory: string } | { cached: KeysValues }): { out: string } & KeysValues {
  const d = mha.dModel, h = mha.numHeads, dK = d / h;
  return g.within(prefix, () => {
    const bias = { name: `${prefix}.in_proj_bias`, t: mha.inProjBias };
    const q = splitHeads(g, matmulBias(g, x, `${prefix}.in_proj_weight.q`, mha.inProjWeight, { ...bias, name: `${bias.name}.q` }, { start: 0, count: d }), h, dK);
    let kv: KeysValues;
    if ("memory" in from) {
      const both = matmulBias(g, from.memory, `${prefix}.in_proj_weight.kv`, mha.inProjWeight, { ...bias, name: `${bias.name}.kv` }, { start: d, count: 2 * d }); // (B, S, 2·dModel)
      const [k, v] = g.nodeN("Split", [both], 2, { axis: { int: -1 } }).map((t) => splitHeads(g, t, h, dK));
      kv = { key: k, value: v };
    } else {
      kv = from.cached;
    }
    const out = linear(g, mergeHeads(g, scaledDotProduct(g, q, kv.key, kv.value, mask, dK), d), `${prefix}.out_proj`, mha.outProj);
    return { out, ...kv };
  });
}
