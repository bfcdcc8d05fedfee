import type { LayerNormArgs, LayerNormBackwardArgs } from "../backend.js";

export function layerNorm({ x, gamma, beta, out, mean, rstd, rows, cols, eps }: LayerNormArgs): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let mu = 0;
    for (let j = 0; j < cols; j++) mu += x[off + j];
    mu /= cols;
    let variance = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[off + j] - mu;
      variance += d * d;
    }
    variance /= cols;
    const rs = 1 / Math.sqrt(variance + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) out[off + j] = (x[off + j] - mu) * rs * gamma[j] + beta[j];
  }
}

/** dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) with g = dy ⊙ gamma and x̂ the normalised input. */
export function layerNormBackward({ dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, cols }: LayerNormBackwardArgs): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[off + j] - mu) * rs;
      const g = dy[off + j] * gamma[j];
      sumG += g;
      sumGX += g * xhat;
      dGamma[j] += dy[off + j] * xhat;
      dBeta[j] += dy[off + j];
    }
    const meanG = sumG / cols;
    const meanGX = sumGX / cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[off + j] - mu) * rs;
      dx[off + j] = rs * (dy[off + j] * gamma[j] - meanG - xhat * meanGX);
    }
  }
}
