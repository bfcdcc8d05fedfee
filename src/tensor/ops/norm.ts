import { backend, toHost } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";
import type { Recorder } from "../recorder.js";

/**
 * LayerNorm over the last dimension (Ba et al. 2016): (x − mean) / sqrt(var + eps) · γ + β. A recorder gets the
 * kernel's per-row `mean` and `rstd` = 1/sqrt(var + eps) (rows).
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number, rec?: Recorder): Tensor {
  const cols = x.shape[x.ndim - 1];
  if (gamma.size !== cols || beta.size !== cols) {
    throw new Error(`layerNorm: input has ${cols} features, gamma/beta have ${gamma.size}/${beta.size}`);
  }
  const rows = x.size / cols;
  const out = floats(x.size);
  const mu = floats(rows);
  const rstd = floats(rows);
  backend().layerNorm({ x: x.buf, gamma: gamma.buf, beta: beta.buf, out, mean: mu, rstd, rows, cols, eps });
  if (rec) {
    toHost(mu);
    toHost(rstd);
    rec("mean", mu, [rows]);
    rec("rstd", rstd, [rows]);
  }
  return record(out, x.shape, [x, gamma, beta], (o) => {
    const dx = new Float32Array(x.size);
    // the kernel accumulates into dGamma/dBeta, so pass scratch buffers when those grads are not wanted
    const dGamma = gamma.requiresGrad ? gamma.gradBuf() : new Float32Array(cols);
    const dBeta = beta.requiresGrad ? beta.gradBuf() : new Float32Array(cols);
    backend().layerNormBackward({ dy: o.gradRaw!, x: x.buf, gamma: gamma.buf, mean: mu, rstd, dx, dGamma, dBeta, rows, cols });
    if (x.requiresGrad) x.accumulateGrad(dx, { owned: true });
  });
}
