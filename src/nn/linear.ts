import { Tensor, linear } from "../tensor/index.js";
import { Module } from "./module.js";

/** y = x Wᵀ + b with W stored (out, in), as torch.nn.Linear. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super();
    this.weight = this.addParameter("weight", [outFeatures, inFeatures]);
    this.bias = bias ? this.addParameter("bias", [outFeatures]) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias); // (..., out)
  }
}
