import { type Recorder, Tensor, embedding, scale } from "../tensor/index.js";
import { Module } from "./module.js";

/**
 * Learned token embeddings (paper §3.4): ids (B, T) → (B, T, dModel), multiplied by √dModel when
 * `scaleBySqrtDModel`, so that they are not drowned by the positional encoding added next. `shared` is a
 * (vocabSize, dModel) matrix another module also uses (weight tying), in place of a new one.
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly vocabSize: number, readonly dModel: number, readonly scaleBySqrtDModel: boolean, shared?: Tensor) {
    super();
    this.weight = this.addParameter("weight", [vocabSize, dModel], shared);
  }

  /** `rec` gets the table's `rows` and the `scaled` rows (the output; the same values when not scaling). */
  forward(ids: Int32Array, shape: readonly [number, number], rec?: Recorder): Tensor {
    const x = embedding(this.weight, ids, shape); // (B, T, dModel)
    const y = this.scaleBySqrtDModel ? scale(x, Math.sqrt(this.dModel)) : x;
    if (rec) {
      rec("rows", x.data, x.shape);
      rec("scaled", y.data, y.shape);
    }
    return y;
  }
}
