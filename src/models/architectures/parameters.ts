/**
 * The state-dict tensors of the nn blocks, named as PyTorch's nn.Transformer names them (the reference cases'
 * names): what an architecture module declares its model holds. Written out rather than read from the nn
 * modules, so that a test comparing them with a built model checks the naming instead of restating it.
 */
import type { CommonConfig } from "../config.js";
import type { NamedShape } from "./spec.js";

export function linearShapes(prefix: string, inFeatures: number, outFeatures: number, bias = true): NamedShape[] {
  const weight: NamedShape = [`${prefix}.weight`, [outFeatures, inFeatures]];
  return bias ? [weight, [`${prefix}.bias`, [outFeatures]]] : [weight];
}

export function embeddingShapes(prefix: string, vocabSize: number, dModel: number): NamedShape[] {
  return [[`${prefix}.weight`, [vocabSize, dModel]]];
}

/** A learned position table; sinusoidal positions are computed and hold no tensor. */
export function positionShapes(prefix: string, c: CommonConfig): NamedShape[] {
  return c.positional === "learned" ? [[`${prefix}.weight`, [c.max_len, c.d_model]]] : [];
}

function layerNormShapes(prefix: string, d: number): NamedShape[] {
  return [[`${prefix}.weight`, [d]], [`${prefix}.bias`, [d]]];
}

/** nn.MultiheadAttention: W_Q, W_K, W_V stacked in in_proj, W_O as out_proj. */
function attentionShapes(prefix: string, d: number): NamedShape[] {
  return [[`${prefix}.in_proj_weight`, [3 * d, d]], [`${prefix}.in_proj_bias`, [3 * d]], ...linearShapes(`${prefix}.out_proj`, d, d)];
}

export function encoderLayerShapes(prefix: string, c: CommonConfig): NamedShape[] {
  const d = c.d_model;
  return [
    ...attentionShapes(`${prefix}.self_attn`, d),
    ...linearShapes(`${prefix}.linear1`, d, c.d_ff), ...linearShapes(`${prefix}.linear2`, c.d_ff, d),
    ...layerNormShapes(`${prefix}.norm1`, d), ...layerNormShapes(`${prefix}.norm2`, d),
  ];
}

export function decoderLayerShapes(prefix: string, c: CommonConfig): NamedShape[] {
  const d = c.d_model;
  return [
    ...attentionShapes(`${prefix}.self_attn`, d), ...attentionShapes(`${prefix}.multihead_attn`, d),
    ...linearShapes(`${prefix}.linear1`, d, c.d_ff), ...linearShapes(`${prefix}.linear2`, c.d_ff, d),
    ...layerNormShapes(`${prefix}.norm1`, d), ...layerNormShapes(`${prefix}.norm2`, d), ...layerNormShapes(`${prefix}.norm3`, d),
  ];
}

/** N layers, then the stack's final LayerNorm (unless `finalNorm` is false). */
export function stackShapes(prefix: string, numLayers: number, layer: (prefix: string, c: CommonConfig) => NamedShape[], c: CommonConfig, finalNorm = true): NamedShape[] {
  const layers = Array.from({ length: numLayers }, (_, i) => layer(`${prefix}.layers.${i}`, c)).flat();
  return finalNorm ? [...layers, ...layerNormShapes(`${prefix}.norm`, c.d_model)] : layers;
}
