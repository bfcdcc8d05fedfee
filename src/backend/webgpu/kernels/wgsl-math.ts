/**
 * WGSL helpers shared by kernels: Φ and φ of the standard normal for exact GELU (kernels/vmath.h's
 * normal tail, scalar), and an exactly rounded product by a float64 constant for dropout's scaling.
 */

/** Element index `i` of a 1-D launch over a 2-D grid (grid2d) of 256-wide workgroups. */
export const FLAT_256 = "let i = wg * 256u + li;";

export const NORMAL_TAIL = /* wgsl */ `
// Q(a) = 1 − Φ(a) for a ≥ 0 and φ(a) (kernels/vmath.h's vnormal_tail): erfc by Numerical Recipes' erfcc fit with
// the exponent's a²/2 split at a rounded to 1/16, so that Φ keeps its relative accuracy far into the tail
fn normal_tail(a0: f32) -> vec2<f32> {
  let a = min(a0, 14.0);
  let t = 2.0 / (a * 0.70710678118654752 + 2.0);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
        + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let ah = round(a * 16.0) * (1.0 / 16.0);
  let big = (ah * -0.5) * ah;
  let small = (a - ah) * (0.5 * (a + ah));
  let q = 0.5 * t * exp(big + (p - small));
  let density = exp(big - small) * 0.39894228040143268;
  return vec2<f32>(q, density);
}
// Φ(x) and φ(x)
fn phi(x: f32) -> vec2<f32> {
  let qd = normal_tail(abs(x));
  return vec2<f32>(select(qd.x, 1.0 - qd.x, x >= 0.0), qd.y);
}`;

export const EXACT_SCALE = /* wgsl */ `
// x·s rounded once to f32, for s = sh + sl a float64 split into two floats: Dekker's exact product x·sh = p + e
// (Veltkamp splits, no fused multiply-add needed), then the tiny x·sl. When p + e is exactly halfway between two
// floats (common: sh = 10 or 1.25 has few bits), x·sl's sign picks the side, as the float64 product's tail does;
// otherwise x·sl is far too small to matter. What is left: the reference rounds x·s to float64 before float32,
// so a product within 2^-48 (relatively) of a halfway point may still round the other way than here.
fn split(a: f32) -> vec2<f32> {
  let c = 4097.0 * a;
  let hi = c - (c - a);
  return vec2<f32>(hi, a - hi);
}
fn scale_exact(x: f32, sh: f32, sl: f32) -> f32 {
  let p = x * sh;
  if (p == 0.0 || abs(p) > 1e37 || abs(x) > 1e37 || p != p) { return p; }
  let xs = split(x);
  let ss = split(sh);
  let e = ((xs.x * ss.x - p) + xs.x * ss.y + xs.y * ss.x) + xs.y * ss.y;
  let t = x * sl;
  let q = p + 2.0 * e;
  if (t != 0.0 && e != 0.0 && q != p && q - p == 2.0 * e) {
    return select(p, q, (t > 0.0) == (e > 0.0));
  }
  return p + (e + t);
}`;
