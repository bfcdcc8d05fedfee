import { Tensor, linear } from "../tensor/index.js";
import { Module } from "./module.js";

/**
 * y = x Wᵀ + b with W stored (out, in), as torch.nn.Linear. `sharedWeight` is an (out, in) matrix another module
 * also uses (weight tying: an embedding table is (V, dModel), just the shape of a projection onto V logits).
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true, sharedWeight?: Tensor) {
    super();
    this.weight = this.addParameter("weight", [outFeatures, inFeatures], sharedWeight);
    this.bias = bias ? this.addParameter("bias", [outFeatures]) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias); // (..., out)
  }
}
