import type { AttendOneArgs } from "../backend.js";
import { checkAttendOne } from "../kernel-args.js";

/**
 * Backend.attendOne, plainly: per (sentence, head), the scores in float64, the masked softmax, then the weighted
 * sum of the values. The oracle the vector kernel (kernels/attention.c) is tested against.
 */
export function attendOne(args: AttendOneArgs): void {
  checkAttendOne("js", args);
  const { batch: B, heads: h, dK, keys: S, limit, q, k, v, keyPad, scale, out, weights } = args;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < h; i++) {
      const w = (b * h + i) * S;
      const qAt = args.qOffset + b * args.qStride + i * dK;
      let max = -Infinity;
      for (let s = 0; s < S; s++) {
        if (s >= limit || (keyPad && keyPad[b * S + s])) {
          weights[w + s] = -Infinity; // masked: exp gives exactly 0
          continue;
        }
        const kAt = args.kOffset + b * args.kStride + s * args.kLd + i * dK;
        let dot = 0;
        for (let j = 0; j < dK; j++) dot += q[qAt + j] * k[kAt + j];
        const x = scale * Math.fround(dot);
        weights[w + s] = x;
        if (x > max) max = x;
      }
      let sum = 0;
      for (let s = 0; s < S; s++) {
        const e = max === -Infinity ? 0 : Math.exp(weights[w + s] - max);
        weights[w + s] = e;
        sum += e;
      }
      const inv = sum > 0 ? 1 / sum : 0; // every key masked: all-zero weights, as maskedSoftmax
      for (let s = 0; s < S; s++) weights[w + s] *= inv;
      const o = b * h * dK + i * dK;
      for (let j = 0; j < dK; j++) {
        let acc = 0;
        for (let s = 0; s < limit; s++) acc += weights[w + s] * v[args.vOffset + b * args.vStride + s * args.vLd + i * dK + j];
        out[o + j] = acc;
      }
    }
  }
}
