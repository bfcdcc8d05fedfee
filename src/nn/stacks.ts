import { type Recorder, Tensor, scopedRecorder } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import type { AttentionCache } from "./attention.js";
import { LayerNorm } from "./layer-norm.js";
import { DecoderLayer, type DecoderInputs, type DecoderLayerCache, EncoderLayer, type EncoderInputs, type LayerOptions } from "./layers.js";
import { Module, ModuleList } from "./module.js";

/**
 * N layers that share no weights, then a final LayerNorm (PyTorch's stacks always end with one, post-LN and pre-LN
 * alike; with `finalNorm` false there is none, as in Marian's post-LN stacks).
 */
abstract class LayerStack<L extends Module> extends Module {
  readonly layers: ModuleList<L>;
  readonly norm: LayerNorm | null;
  constructor(opts: LayerOptions, numLayers: number, makeLayer: () => L) {
    super();
    this.layers = this.addChild("layers", new ModuleList(Array.from({ length: numLayers }, makeLayer)));
    this.norm = (opts.finalNorm ?? true) ? this.addChild("norm", new LayerNorm(opts.dModel, opts.layerNormEps)) : null;
  }

  protected finish(x: Tensor, rec: Recorder | undefined): Tensor {
    return this.norm ? this.norm.forward(x, scopedRecorder(rec, "norm")) : x; // (B, T, dModel)
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
    return this.finish(x, rec);
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
    return this.finish(y, rec);
  }
}
