import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { FLAT_256, NORMAL_TAIL } from "./wgsl-math.js";

/** ReLU, exact GELU, GELU's tanh form, SiLU and tanh, forward and backward: one thread per element. */

const TANH = /* wgsl */ `
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const CUBIC: f32 = 0.044715;
// tanh clamped where it is ±1 in f32, so that an implementation's sinh/cosh cannot overflow into NaN
fn tanh_safe(u: f32) -> f32 { return tanh(clamp(u, -10.0, 10.0)); }`;

// tanh on its own (the pooler's), relatively accurate near 0, where sinh/cosh from exp (WGSL's tanh) cancel: below
// 0.55 its Taylor series through x^17 (the next term is under 0.2 ulp of x there), above it 1 − 2/(e^2|x| + 1),
// |x| clamped at 10 (tanh is 1 in f32 from 9.01), within about 14 ulp where exp's error counts most (|x| = 0.55)
const TANH_OWN = /* wgsl */ `
fn tanh_own(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.55) {
    let z = x * x;
    let p = -0.3333333333333333 + z * (0.13333333333333333 + z * (-0.05396825396825397 + z * (0.021869488536155203
      + z * (-0.008863235529902197 + z * (0.003592128036572481 + z * (-0.0014558343870513183 + z * 0.0005900274409455859))))));
    return x + x * (z * p);
  }
  let e = exp(2.0 * min(a, 10.0));
  return sign(x) * (1.0 - 2.0 / (e + 1.0));
}`;

// σ(x) = 1/(1 + e^−x) as the reference computes it; e^−x overflowing to +∞ (x < −88) gives σ = 0, as it should
const SIGMOID = /* wgsl */ `
fn sigmoid(u: f32) -> f32 { return 1.0 / (1.0 + exp(-u)); }`;

function unary(name: string, expr: string, decls = ""): KernelSpec {
  return {
    name, buffers: [{ name: "x" }, { name: "out", write: true }], params: [["n", "u32"]], workgroupSize: [256], decls,
    main: `${FLAT_256}\n  if (i >= P.n) { return; }\n  let v = x_f(i);\n  out_setf(i, ${expr});`,
  };
}

function binary(name: string, expr: string, decls = ""): KernelSpec {
  return {
    name, buffers: [{ name: "x" }, { name: "dy" }, { name: "dx", write: true }], params: [["n", "u32"]], workgroupSize: [256], decls,
    main: `${FLAT_256}\n  if (i >= P.n) { return; }\n  let v = x_f(i);\n  let g = dy_f(i);\n  dx_setf(i, ${expr});`,
  };
}

export const ACTIVATIONS = {
  relu: unary("relu", "select(0.0, v, v > 0.0)"),
  reluBackward: binary("reluBackward", "select(0.0, g, v > 0.0)"),
  gelu: unary("gelu", "v * phi(v).x", NORMAL_TAIL),
  geluBackward: binary("geluBackward", "g * (phi(v).x + v * phi(v).y)", NORMAL_TAIL),
  geluTanh: unary("geluTanh", "0.5 * v * (1.0 + tanh_safe(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)))", TANH),
  geluTanhBackward: binary("geluTanhBackward", `g * (0.5 * (1.0 + tanh_safe(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)))
    + 0.5 * v * (1.0 - tanh_safe(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)) * tanh_safe(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)))
      * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * v * v))`, TANH),
  silu: unary("silu", "v / (1.0 + exp(-v))"),
  siluBackward: binary("siluBackward", "g * sigmoid(v) * (1.0 + v * (1.0 - sigmoid(v)))", SIGMOID),
  tanh: unary("tanh", "tanh_own(v)", TANH_OWN),
  // x holds y = tanh(x) here: (1 − y)(1 + y) rather than 1 − y², which would cancel near |y| = 1
  tanhBackward: binary("tanhBackward", "g * ((1.0 - v) * (1.0 + v))"),
} as const;

export type UnaryName = "relu" | "gelu" | "geluTanh" | "silu" | "tanh";
export type BackwardName = "reluBackward" | "geluBackward" | "geluTanhBackward" | "siluBackward" | "tanhBackward";

/** out = f(x) over n elements; out may be x. */
export function encodeUnary(rt: GpuRuntime, op: UnaryName, x: GpuTensor, out: GpuTensor, n: number): void {
  rt.dispatch(ACTIVATIONS[op], { x, out }, { n }, grid2d(Math.ceil(n / 256)));
}

/** dx = f'(x)·dy over n elements; dx may be dy. */
export function encodeBackward(rt: GpuRuntime, op: BackwardName, x: GpuTensor, dy: GpuTensor, dx: GpuTensor, n: number): void {
  rt.dispatch(ACTIVATIONS[op], { x, dy, dx }, { n }, grid2d(Math.ceil(n / 256)));
}
