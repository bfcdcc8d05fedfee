import { Tensor, layerNorm } from "../tensor/index.js";
import { Module } from "./module.js";

/** LayerNorm over the model dimension with learned gain (`weight`) and bias, as torch.nn.LayerNorm. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly dim: number, readonly eps: number) {
    super();
    this.weight = this.addParameter("weight", [dim]);
    this.bias = this.addParameter("bias", [dim]);
    this.weight.data.fill(1);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
