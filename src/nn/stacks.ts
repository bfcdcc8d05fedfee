import { Tensor } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import type { AttentionCache } from "./attention.js";
import { LayerNorm } from "./layer-norm.js";
import { DecoderLayer, type DecoderLayerCache, EncoderLayer, type LayerOptions } from "./layers.js";
import { Module, ModuleList } from "./module.js";

/**
 * N encoder layers that share no weights, then a final LayerNorm (PyTorch's stacks always end with one, in
 * post-LN and pre-LN alike). With `causal` it is the body of a decoder-only (GPT-style) model.
 */
export class EncoderStack extends Module {
  readonly layers: ModuleList<EncoderLayer>;
  readonly norm: LayerNorm;
  constructor(opts: LayerOptions, numLayers: number, rng: Rng) {
    super();
    this.layers = this.addChild("layers", new ModuleList(Array.from({ length: numLayers }, () => new EncoderLayer(opts, rng))));
    this.norm = this.addChild("norm", new LayerNorm(opts.dModel, opts.layerNormEps));
  }

  forward(x: Tensor, keyPad: Uint8Array | null, causal = false, cache?: AttentionCache[], keepWeights = false): Tensor {
    this.layers.items.forEach((layer, i) => {
      x = layer.forward(x, keyPad, causal, cache?.[i], keepWeights);
    });
    return this.norm.forward(x); // (B, T, dModel)
  }
}

/** N decoder layers that share no weights, then a final LayerNorm. */
export class DecoderStack extends Module {
  readonly layers: ModuleList<DecoderLayer>;
  readonly norm: LayerNorm;
  constructor(opts: LayerOptions, numLayers: number, rng: Rng) {
    super();
    this.layers = this.addChild("layers", new ModuleList(Array.from({ length: numLayers }, () => new DecoderLayer(opts, rng))));
    this.norm = this.addChild("norm", new LayerNorm(opts.dModel, opts.layerNormEps));
  }

  forward(
    y: Tensor, memory: Tensor, tgtKeyPad: Uint8Array | null, memKeyPad: Uint8Array | null,
    cache?: DecoderLayerCache[], keepWeights = false,
  ): Tensor {
    this.layers.items.forEach((layer, i) => {
      y = layer.forward(y, memory, tgtKeyPad, memKeyPad, cache?.[i], keepWeights);
    });
    return this.norm.forward(y); // (B, T, dModel)
  }
}
