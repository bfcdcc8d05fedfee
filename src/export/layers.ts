/**
 * ONNX nodes for the paper's layers and stacks (src/nn/layers.ts, stacks.ts): each sublayer a residual
 * connection around its LayerNorm, post-LN (the paper's LN(x + f(x))) or pre-LN (x + f(LN(x))), as the model's
 * `norm_first` says; a stack ends with its final LayerNorm, as PyTorch's stacks (and ours) always do.
 */
import type { DecoderLayer, DecoderStack, EncoderLayer, EncoderStack, LayerNorm } from "../nn/index.js";
import { type AttentionMask, type KeysValues, crossAttention, selfAttention } from "./attention.js";
import { feedForward, layerNorm } from "./blocks.js";
import type { GraphBuilder } from "./graph.js";

/** post-LN: LN(x + f(x)); pre-LN: x + f(LN(x)) (dropout is off in an exported model). */
function sublayer(g: GraphBuilder, x: string, normPrefix: string, norm: LayerNorm, normFirst: boolean, f: (y: string) => string): string {
  if (normFirst) return g.node("Add", [x, f(layerNorm(g, x, normPrefix, norm))]);
  return layerNorm(g, g.node("Add", [x, f(x)]), normPrefix, norm);
}

/** One encoder layer (or, causal with a cache, a decoder_only block); returns its output and self-attention keys/values. */
export function encoderLayer(g: GraphBuilder, x: string, prefix: string, layer: EncoderLayer, mask: AttentionMask, past?: KeysValues): { out: string } & KeysValues {
  const { normFirst, activation } = layer.opts;
  let kv: KeysValues | undefined;
  x = sublayer(g, x, `${prefix}.norm1`, layer.norm1, normFirst, (y) => {
    const a = selfAttention(g, y, `${prefix}.self_attn`, layer.selfAttn, mask, past);
    kv = a;
    return a.out;
  });
  const out = sublayer(g, x, `${prefix}.norm2`, layer.norm2, normFirst, (y) => feedForward(g, y, prefix, layer.linear1, layer.linear2, activation));
  return { out, key: kv!.key, value: kv!.value };
}

/** What one decoder layer attends to besides its input: the masks, and its cached keys/values if any. */
export interface DecoderLayerInputs {
  selfMask: AttentionMask;
  crossMask: AttentionMask;
  /** The encoder output (first step) or the cross-attention keys/values made from it then. */
  memory: { memory: string } | { cached: KeysValues };
  past?: KeysValues;
}

/** One decoder layer: masked self-attention, cross-attention, feed-forward; returns both attentions' keys/values. */
export function decoderLayer(g: GraphBuilder, y: string, prefix: string, layer: DecoderLayer, inputs: DecoderLayerInputs): { out: string; self: KeysValues; cross: KeysValues } {
  const { normFirst, activation } = layer.opts;
  let self: KeysValues | undefined, cross: KeysValues | undefined;
  y = sublayer(g, y, `${prefix}.norm1`, layer.norm1, normFirst, (z) => {
    const a = selfAttention(g, z, `${prefix}.self_attn`, layer.selfAttn, inputs.selfMask, inputs.past);
    self = a;
    return a.out;
  });
  y = sublayer(g, y, `${prefix}.norm2`, layer.norm2, normFirst, (z) => {
    const a = crossAttention(g, z, `${prefix}.multihead_attn`, layer.crossAttn, inputs.crossMask, inputs.memory);
    cross = a;
    return a.out;
  });
  const out = sublayer(g, y, `${prefix}.norm3`, layer.norm3, normFirst, (z) => feedForward(g, z, prefix, layer.linear1, layer.linear2, activation));
  return { out, self: { key: self!.key, value: self!.value }, cross: { key: cross!.key, value: cross!.value } };
}

/** The encoder stack (or a decoder_only body): N layers, then the final norm; each layer's keys/values. */
export function encoderStack(g: GraphBuilder, x: string, prefix: string, stack: EncoderStack, mask: AttentionMask, past?: readonly KeysValues[]): { out: string; kv: KeysValues[] } {
  const kv: KeysValues[] = [];
  stack.layers.items.forEach((layer, i) => {
    const r = encoderLayer(g, x, `${prefix}.layers.${i}`, layer, mask, past?.[i]);
    x = r.out;
    kv.push(r);
  });
  return { out: stack.norm ? layerNorm(g, x, `${prefix}.norm`, stack.norm) : x, kv };
}

/** The decoder stack: N layers, then the final norm; each layer's self- and cross-attention keys/values. */
export function decoderStack(
  g: GraphBuilder, y: string, prefix: string, stack: DecoderStack,
  inputs: { selfMask: AttentionMask; crossMask: AttentionMask; memory: (i: number) => DecoderLayerInputs["memory"]; past?: readonly KeysValues[] },
): { out: string; self: KeysValues[]; cross: KeysValues[] } {
  const self: KeysValues[] = [], cross: KeysValues[] = [];
  stack.layers.items.forEach((layer, i) => {
    const r = decoderLayer(g, y, `${prefix}.layers.${i}`, layer, { selfMask: inputs.selfMask, crossMask: inputs.crossMask, memory: inputs.memory(i), past: inputs.past?.[i] });
    y = r.out;
    self.push(r.self);
    cross.push(r.cross);
  });
  return { out: stack.norm ? layerNorm(g, y, `${prefix}.norm`, stack.norm) : y, self, cross };
}
