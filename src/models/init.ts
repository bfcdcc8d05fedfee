import { Rng } from "../tensor/index.js";
import type { Model } from "./build.js";

/**
 * Fresh weights, as the Annotated Transformer and nn.Transformer initialise them: Xavier/Glorot uniform for
 * every matrix (embeddings and position tables included), zeros for biases, ones for LayerNorm gains. A tied
 * matrix is one parameter and is drawn once, under its first name (src_embed.weight, or decoder_only's
 * embed.weight), by the fans of its (V, dModel) shape.
 */
export function initParameters(model: Model, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, p] of model.namedParameters()) {
    if (p.ndim >= 2) {
      const [fanOut, fanIn] = p.shape;
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < p.size; i++) p.data[i] = (rng.uniform() * 2 - 1) * bound;
    } else if (/norm\d?\.weight$/.test(name)) {
      p.data.fill(1);
    } else {
      p.data.fill(0);
    }
  }
}
