import { test } from "node:test";
import { LayerNorm } from "../../src/nn/index.js";
import { Tensor } from "../../src/tensor/index.js";
import { assertNear, setParam } from "./helpers.js";

test("LayerNorm by hand: [1, 2, 3, 4] has mean 2.5 and variance 1.25; with eps 0.75 the divisor is √2", () => {
  const norm = new LayerNorm(4, 0.75);
  const x = Tensor.from([1, 2, 3, 4, 10, 10, 10, 10], [2, 4]);
  const s = Math.SQRT2;
  // initialised as torch.nn.LayerNorm: gain 1, bias 0; a constant row normalises to 0
  assertNear(norm.forward(x).data, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0, 0, 0, 0], 1e-6, "unit gain");
  setParam(norm.weight, [1, 2, 1, 1]);
  setParam(norm.bias, [0, 0, 1, -1]);
  assertNear(norm.forward(x).data, [-1.5 / s, -1 / s, 1 + 0.5 / s, -1 + 1.5 / s, 0, 0, 1, -1], 1e-6, "gain and bias");
});
