import { Tensor, scopedRecorder } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import type { AttentionCache } from "./attention.js";
import { LayerNorm } from "./layer-norm.js";
import { DecoderLayer, type DecoderInputs, type DecoderLayerCache, EncoderLayer, type EncoderInputs, type LayerOptions } from "./layers.js";
import { Module, ModuleList } from "./module.js";

/** N layers that share no weights, then a final LayerNorm (PyTorch's stacks always end with one, post-LN and pre-LN alike). */
abstract class LayerStack<L extends Module> extends Module {
  readonly layers: ModuleList<L>;
  readonly norm: LayerNorm;
  constructor(opts: LayerOptions, numLayers: number, makeLayer: () => L) {
    super();
    this.layers = this.addChild("layers", new ModuleList(Array.from({ length: numLayers }, makeLayer)));
    this.norm = this.addChild("norm", new LayerNorm(opts.dModel, opts.layerNormEps));
  }
}

/** The encoder's N layers; with `causal` the body of a decoder-only (GPT-style) model. */
export class EncoderStack extends LayerStack<EncoderLayer> {
  constructor(opts: LayerOptions, numLayers: number, rng: Rng) {
    super(opts, numLayers, () => new EncoderLayer(opts, rng));
  }

  /** `cache`: one per layer. A recorder gets each layer's values under `layers.<i>.` and the final `norm.*`. */
  forward(x: Tensor, inputs: Omit<EncoderInputs, "cache"> & { cache?: AttentionCache[] }): Tensor {
    const rec = inputs.recorder;
    this.layers.items.forEach((layer, i) => {
      x = layer.forward(x, { ...inputs, cache: inputs.cache?.[i], recorder: rec && scopedRecorder(rec, `layers.${i}`) });
    });
    return this.norm.forward(x, scopedRecorder(rec, "norm")); // (B, T, dModel)
  }
}

/** The decoder's N layers. */
export class DecoderStack extends LayerStack<DecoderLayer> {
  constructor(opts: LayerOptions, numLayers: number, rng: Rng) {
    super(opts, numLayers, () => new DecoderLayer(opts, rng));
  }

  /** y (B, T, dModel) over memory (B, S, dModel); `cache`: one per layer. A recorder as EncoderStack's. */
  forward(y: Tensor, memory: Tensor, inputs: Omit<DecoderInputs, "cache"> & { cache?: DecoderLayerCache[] }): Tensor {
    const rec = inputs.recorder;
    this.layers.items.forEach((layer, i) => {
      y = layer.forward(y, memory, { ...inputs, cache: inputs.cache?.[i], recorder: rec && scopedRecorder(rec, `layers.${i}`) });
    });
    return this.norm.forward(y, scopedRecorder(rec, "norm")); // (B, T, dModel)
  }
}
