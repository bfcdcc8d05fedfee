import { type Recorder, Tensor, layerNorm } from "../tensor/index.js";
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

  /** `rec` gets `input`, the kernel's `mean` and `rstd` (one per row) and `output`. */
  forward(x: Tensor, rec?: Recorder): Tensor {
    const y = layerNorm(x, this.weight, this.bias, this.eps, rec);
    if (rec) {
      rec("input", x.data, x.shape);
      rec("output", y.data, y.shape);
    }
    return y;
  }
}
