import { test } from "node:test";
import { Linear, feedForward } from "../../src/nn/index.js";
import { Rng, Tensor } from "../../src/tensor/index.js";
import { assertNear, setParam } from "./helpers.js";

/** Φ, the standard normal CDF, at the hidden values below (tables). */
const PHI = { "1": 0.8413447460685429, "-3": 0.0013498980316301, "-0.5": 0.3085375387259869 };

function layers(): [Linear, Linear] {
  const linear1 = new Linear(2, 3);
  setParam(linear1.weight, [1, 0, 0, 1, 1, 1]); // (3, 2), stored (out, in)
  setParam(linear1.bias!, [0, -1, 0.5]);
  const linear2 = new Linear(3, 2);
  setParam(linear2.weight, [1, 2, 3, -1, 0, 1]);
  setParam(linear2.bias!, [0.5, 0]);
  return [linear1, linear2];
}

test("feedForward: act(x W1ᵀ + b1) W2ᵀ + b2 at every position (paper §3.3), ReLU and exact GELU", () => {
  const [linear1, linear2] = layers();
  // x = [1, −2] → hidden [1, −3, −0.5]; the second position x = [0, 0] → hidden [0, −1, 0.5]
  const x = Tensor.from([1, -2, 0, 0], [1, 2, 2]);
  const rng = new Rng(0);
  // ReLU: [1, 0, 0] → [1.5, −1]; [0, 0, 0.5] → [2, 0.5]
  assertNear(feedForward(x, linear1, linear2, "relu", 0, rng).data, [1.5, -1, 2, 0.5], 1e-6, "relu");
  // GELU(h) = h·Φ(h)
  const g = [1 * PHI["1"], -3 * PHI["-3"], -0.5 * PHI["-0.5"]];
  const g2 = [0, -1 * (1 - PHI["1"]), 0.5 * (1 - PHI["-0.5"])];
  const out = (h: number[]) => [h[0] + 2 * h[1] + 3 * h[2] + 0.5, -h[0] + h[2]];
  assertNear(feedForward(x, linear1, linear2, "gelu", 0, rng).data, [...out(g), ...out(g2)], 1e-6, "gelu");
});
