import { checkMeanPool } from "../kernel-args.js";

/**
 * Backend.maskedMeanPool: the encoder-only classifier's "mean" pooling, x (batch, T, d) → out (batch, d). Each
 * addition is stored in float32 (out's own elements), then the sum is divided once by the count.
 */
export function maskedMeanPool(x: Float32Array, keyPad: Uint8Array | null, out: Float32Array, batch: number, T: number, d: number): void {
  checkMeanPool("maskedMeanPool", ["x", x], ["out", out], keyPad, batch, T, d);
  out.fill(0, 0, batch * d);
  for (let b = 0; b < batch; b++) {
    const row = out.subarray(b * d, (b + 1) * d);
    let c = 0;
    for (let t = 0; t < T; t++) {
      if (keyPad && keyPad[b * T + t]) continue;
      c++;
      const off = (b * T + t) * d;
      for (let j = 0; j < d; j++) row[j] += x[off + j];
    }
    if (c > 0) for (let j = 0; j < d; j++) row[j] /= c;
  }
}

/** Backend.maskedMeanPoolBackward: dx[b, t, :] += dOut[b, :] / count_b where position t is not padding. */
export function maskedMeanPoolBackward(dOut: Float32Array, keyPad: Uint8Array | null, dx: Float32Array, batch: number, T: number, d: number): void {
  checkMeanPool("maskedMeanPoolBackward", ["dx", dx], ["dOut", dOut], keyPad, batch, T, d);
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let t = 0; t < T; t++) if (!(keyPad && keyPad[b * T + t])) c++;
    if (c === 0) continue;
    const inv = 1 / c;
    for (let t = 0; t < T; t++) {
      if (keyPad && keyPad[b * T + t]) continue;
      const off = (b * T + t) * d;
      for (let j = 0; j < d; j++) dx[off + j] += dOut[b * d + j] * inv;
    }
  }
}
