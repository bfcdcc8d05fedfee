import type { CommonConfig } from "./config.js";

/** The config keys as the nn layers take them. */
export function layerOptions(cfg: CommonConfig) {
  return {
    dModel: cfg.d_model,
    numHeads: cfg.num_heads,
    dFF: cfg.d_ff,
    dropout: cfg.dropout,
    activation: cfg.activation,
    normFirst: cfg.norm_first,
    layerNormEps: cfg.layer_norm_eps,
  };
}
