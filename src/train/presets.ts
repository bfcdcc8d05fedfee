import { OptionError } from "../errors.js";
import { type Architecture, type ModelConfig, modelArchitecture, parseConfig } from "../models/index.js";

/**
 * Model sizes by name: tiny for tests and demos, small for a laptop, base = the paper's base model.
 *
 * lrFactor is each size's default noam factor (lr = f · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5)), for
 * the default 400 warm-up steps. Deeper and wider post-LN models need a lower peak: on the bundled Bible pairs
 * (our 8k BPE, 4,096-token batches, 1,500 steps, PyTorch replicas of our trainer, bench/recipe), factor 1 left
 * small at validation 3.73 and BLEU 2.2 and base at the unigram level, while small reached 2.90 / BLEU 14.1 at
 * 0.5 (peak 1.6e-3) and base 3.72 / BLEU 3.6 at 0.25 (peak 5.5e-4; 0.5 never used its source). Tiny does as well
 * at 1 as at 0.5 (3.30 / BLEU 10.9 and 3.35 / 10.7) and worse at 2.
 */
export const PRESETS = {
  tiny: { d_model: 64, num_heads: 4, d_ff: 256, layers: 2, lrFactor: 1 },
  small: { d_model: 256, num_heads: 8, d_ff: 1024, layers: 3, lrFactor: 0.5 },
  base: { d_model: 512, num_heads: 8, d_ff: 2048, layers: 6, lrFactor: 0.25 },
} as const;

export type PresetName = keyof typeof PRESETS;

export function isPreset(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

function preset(name: string): (typeof PRESETS)[PresetName] {
  if (!isPreset(name)) throw new OptionError("preset", (say) => `unknown ${say("preset")} "${name}"; expected one of ${Object.keys(PRESETS).join(", ")}`);
  return PRESETS[name];
}

/** The noam factor a run of this preset gets unless --lr-factor says otherwise. */
export function presetLrFactor(name: string): number {
  return preset(name).lrFactor;
}

export interface PresetOptions {
  srcVocabSize: number;
  tgtVocabSize: number;
  numClasses?: number;
  maxLen: number;
  dropout: number;
  labels?: string[];
  /** One matrix for the embeddings and the output projection (config key tie_word_embeddings); default false. */
  tieWordEmbeddings?: boolean;
}

/** A full, validated model config for an architecture at a preset size. */
export function presetConfig(arch: Architecture, name: string, o: PresetOptions): ModelConfig {
  const p = preset(name);
  const common = {
    d_model: p.d_model, num_heads: p.num_heads, d_ff: p.d_ff, dropout: o.dropout, activation: "relu",
    norm_first: false, layer_norm_eps: 1e-5, positional: "sinusoidal", max_len: o.maxLen, scale_embeddings: true,
    tie_word_embeddings: o.tieWordEmbeddings ?? false, pad_id: 0, bos_id: 1, eos_id: 2,
  };
  const raw = { architecture: arch, ...common, ...modelArchitecture(arch).preset({ ...o, layers: p.layers }) };
  return parseConfig(raw, `preset ${name}`);
}
