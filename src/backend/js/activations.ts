import { erf } from "./erf.js";
import { checkLengths } from "../kernel-args.js";

export function relu(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
}

export function reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
}

export function gelu(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = 0.5 * x[i] * (1 + erf(x[i] * Math.SQRT1_2));
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const cdf = 0.5 * (1 + erf(v * Math.SQRT1_2));
    const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
  }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

/**
 * GELU's tanh approximation (Hendrycks & Gimpel 2016; GPT-2's "gelu_new", PyTorch's gelu(approximate="tanh")):
 * x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))), in float64, rounded once.
 */
export function geluTanh(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_CUBIC * v * v * v)));
  }
}

/** SiLU (swish; Marian's "swish"): x · σ(x) = x / (1 + e^−x), in float64, rounded once. */
export function silu(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v / (1 + Math.exp(-v));
  }
}

/** dx = dy · σ(x) · (1 + x · (1 − σ(x))). */
export function siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const s = 1 / (1 + Math.exp(-v));
    dx[i] = dy[i] * s * (1 + v * (1 - s));
  }
}

/** dx = dy · (½(1 + tanh u) + ½x(1 − tanh² u) · √(2/π)(1 + 3·0.044715 x²)), u = √(2/π)(x + 0.044715 x³). */
export function geluTanhBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_CUBIC * v * v * v));
    const du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * v * v);
    dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
  }
}

/** tanh(x) in float64, rounded once (BERT's pooler). */
export function tanh(x: Float32Array, out: Float32Array, n: number): void {
  checkLengths("tanh", n, { x, out });
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}

/** dx = dy · (1 − y²) for y = tanh(x), the forward's output. */
export function tanhBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
  checkLengths("tanhBackward", n, { y, dy, dx });
  for (let i = 0; i < n; i++) {
    const v = y[i];
    dx[i] = dy[i] * (1 - v * v);
  }
}
