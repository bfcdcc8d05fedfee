import { OptionError } from "../errors.js";
import { type Architecture, type ModelConfig, parseConfig } from "../models/index.js";

/** Model sizes by name: tiny for tests and demos, small for a laptop, base = the paper's base model. */
export const PRESETS = {
  tiny: { d_model: 64, num_heads: 4, d_ff: 256, layers: 2 },
  small: { d_model: 256, num_heads: 8, d_ff: 1024, layers: 3 },
  base: { d_model: 512, num_heads: 8, d_ff: 2048, layers: 6 },
} as const;

export type PresetName = keyof typeof PRESETS;

export function isPreset(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

export interface PresetOptions {
  srcVocabSize: number;
  tgtVocabSize: number;
  numClasses?: number;
  maxLen: number;
  dropout: number;
  labels?: string[];
}

/** A full, validated model config for an architecture at a preset size. */
export function presetConfig(arch: Architecture, preset: string, o: PresetOptions): ModelConfig {
  if (!isPreset(preset)) throw new OptionError(`unknown preset "${preset}"; expected one of ${Object.keys(PRESETS).join(", ")}`);
  const p = PRESETS[preset];
  const common = {
    d_model: p.d_model, num_heads: p.num_heads, d_ff: p.d_ff, dropout: o.dropout, activation: "relu",
    norm_first: false, layer_norm_eps: 1e-5, positional: "sinusoidal", max_len: o.maxLen, scale_embeddings: true,
    pad_id: 0, bos_id: 1, eos_id: 2,
  };
  const raw =
    arch === "seq2seq"
      ? { architecture: arch, ...common, src_vocab_size: o.srcVocabSize, tgt_vocab_size: o.tgtVocabSize, num_encoder_layers: p.layers, num_decoder_layers: p.layers }
      : arch === "decoder_only"
        ? { architecture: arch, ...common, vocab_size: o.srcVocabSize, num_layers: p.layers }
        : { architecture: arch, ...common, vocab_size: o.srcVocabSize, num_layers: p.layers, num_classes: o.numClasses, pooling: "first", labels: o.labels };
  return parseConfig(raw, `preset ${preset}`);
}
