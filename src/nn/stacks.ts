import { Tensor, scopedRecorder } from "../tensor/index.js";
import type { Rng } from "../tensor/index.js";
import type { AttentionCache } from "./attention.js";
import { LayerNorm } from "./layer-norm.js";
import { DecoderLayer, type DecoderInputs, type DecoderLayerCache, EncoderLayer, type EncoderInputs, type LayerOptions } from "./layers.js";
import { Module, ModuleList } from "./module.js";

/** N layers that share no weights, then a final LayerNorm (PyTorch's stacks always end with one, post-LN and pre-LN alike). */
abstract class LayerStack<L extends Module> extends Module {
  readonly layers: ModuleList<L>;
  private readonly finalNorm: LayerNorm | null;
  /** finalNorm false: no final LayerNorm (BERT, whose post-LN layers end in their own). */
  constructor(opts: LayerOptions, numLayers: number, makeLayer: () => L, finalNorm = true) {
    super();
    this.layers = this.addChild("layers", new ModuleList(Array.from({ length: numLayers }, makeLayer)));
    this.finalNorm = finalNorm ? this.addChild("norm", new LayerNorm(opts.dModel, opts.layerNormEps)) : null;
  }

  get hasNorm(): boolean {
    return this.finalNorm !== null;
  }

  /** The final LayerNorm; throws for a stack built without one. */
  get norm(): LayerNorm {
    if (!this.finalNorm) throw new Error("this stack has no final LayerNorm");
    return this.finalNorm;
  }
}

/** The encoder's N layers; with `causal` the body of a decoder-only (GPT-style) model. */
export class EncoderStack extends LayerStack<EncoderLayer> {
  constructor(opts: LayerOptions, numLayers: number, rng: Rng, { finalNorm = true } = {}) {
    super(opts, numLayers, () => new EncoderLayer(opts, rng), finalNorm);
  }

  /** `cache`: one per layer. A recorder gets each layer's values under `layers.<i>.` and the final `norm.*`. */
  forward(x: Tensor, inputs: Omit<EncoderInputs, "cache"> & { cache?: AttentionCache[] }): Tensor {
    const rec = inputs.recorder;
    this.layers.items.forEach((layer, i) => {
      x = layer.forward(x, { ...inputs, cache: inputs.cache?.[i], recorder: rec && scopedRecorder(rec, `layers.${i}`) });
    });
    return this.hasNorm ? this.norm.forward(x, scopedRecorder(rec, "norm")) : x; // (B, T, dModel)
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
