import { checkLengths, checkPeriod } from "../../kernel-args.js";
import type { KernelSpec } from "../codegen.js";
import { grid2d, type GpuRuntime, type GpuTensor } from "../runtime.js";
import { splitScale } from "./dropout.js";
import { EXACT_SCALE } from "./wgsl-math.js";

/**
 * The tensor layer's elementwise kernels: add, addTiled, tile, scale, fill. Each thread does four consecutive
 * elements, with 16-byte loads and stores where the runtime can bind the tensors as vec4 (they start at multiples
 * of 4 elements), four words otherwise, and the last partial four one at a time. f32 addition is correctly rounded
 * in WGSL, so add and addTiled give the reference's bits (a GPU may flush subnormals, as WGSL allows); scale is
 * maskScale's exactly rounded product; tile and fill move bits.
 */

/** The statements around a kernel's 4-wide body `vec` and its one-element tail `one` (both see P and index i). */
function fourAtATime(vec: string, one: string): string {
  return /* wgsl */ `
  let i = (wg * 256u + li) * 4u;
  if (i >= P.n) { return; }
  if (i + 4u <= P.n) {
    ${vec}
    return;
  }
  for (var k = i; k < P.n; k++) { let i = k; ${one} }`;
}

function spec(name: string, buffers: KernelSpec["buffers"], params: KernelSpec["params"], main: string, decls = ""): KernelSpec {
  return { name, buffers, params, workgroupSize: [256], decls, main };
}

// the four tile elements of i..i+3: one 16-byte load when a period of a multiple of 4 keeps them in one period
const TILE4 = /* wgsl */ `
fn tile4(i: u32) -> vec4<u32> {
  let j = i % P.period;
  if (P.period % 4u == 0u) { return tile_u4(j); }
  return vec4<u32>(tile_u(j), tile_u((i + 1u) % P.period), tile_u((i + 2u) % P.period), tile_u((i + 3u) % P.period));
}`;

export const ADD = spec("add", [{ name: "a" }, { name: "b" }, { name: "out", write: true }], [["n", "u32"]],
  fourAtATime("out_setf4(i, a_f4(i) + b_f4(i));", "out_setf(i, a_f(i) + b_f(i));"));

export const ADD_TILED = spec("addTiled", [{ name: "x" }, { name: "tile" }, { name: "out", write: true }], [["n", "u32"], ["period", "u32"]],
  fourAtATime("out_setf4(i, x_f4(i) + bitcast<vec4<f32>>(tile4(i)));", "out_setf(i, x_f(i) + tile_f(i % P.period));"), TILE4);

export const TILE = spec("tile", [{ name: "tile" }, { name: "out", write: true }], [["n", "u32"], ["period", "u32"]],
  fourAtATime("out_setu4(i, tile4(i));", "out_setu(i, tile_u(i % P.period));"), TILE4);

export const SCALE = spec("scale", [{ name: "x" }, { name: "out", write: true }], [["n", "u32"], ["sh", "f32"], ["sl", "f32"]],
  fourAtATime(`let v = x_f4(i);
    out_setf4(i, vec4<f32>(scale_exact(v.x, P.sh, P.sl), scale_exact(v.y, P.sh, P.sl), scale_exact(v.z, P.sh, P.sl), scale_exact(v.w, P.sh, P.sl)));`,
  "out_setf(i, scale_exact(x_f(i), P.sh, P.sl));"), EXACT_SCALE);

// the value's float32 bits come as a u32, so that no float operation (a subnormal flushed, a NaN's payload) touches it
export const FILL = spec("fill", [{ name: "out", write: true }], [["n", "u32"], ["bits", "u32"]],
  fourAtATime("out_setu4(i, vec4<u32>(P.bits));", "out_setu(i, P.bits);"));

const groups = (n: number): [number, number] => grid2d(Math.ceil(n / 1024));

/** Backend.add: out = a + b over n elements; out may be a or b. */
export function encodeAdd(rt: GpuRuntime, a: GpuTensor, b: GpuTensor, out: GpuTensor, n: number): void {
  checkLengths("add", n, { a, b, out });
  rt.dispatch(ADD, { a, b, out }, { n }, groups(n), ["a", "b", "out"]);
}

/** Backend.addTiled: out[i] = x[i] + tile[i % period]; out may be x. */
export function encodeAddTiled(rt: GpuRuntime, x: GpuTensor, tile: GpuTensor, out: GpuTensor, n: number, period: number): void {
  checkLengths("addTiled", n, { x, out });
  checkPeriod("addTiled", "tile", tile, period, n);
  rt.dispatch(ADD_TILED, { x, tile, out }, { n, period: Math.max(period, 1) }, groups(n), ["x", "tile", "out"]);
}

/** Backend.tile: out[i] = src[i % period]. */
export function encodeTile(rt: GpuRuntime, src: GpuTensor, period: number, out: GpuTensor, n: number): void {
  checkLengths("tile", n, { out });
  checkPeriod("tile", "src", src, period, n);
  rt.dispatch(TILE, { tile: src, out }, { n, period: Math.max(period, 1) }, groups(n), ["tile", "out"]);
}

/** Backend.scale: out = x · s, the float64 s, rounded once; out may be x. */
export function encodeScale(rt: GpuRuntime, x: GpuTensor, s: number, out: GpuTensor, n: number): void {
  checkLengths("scale", n, { x, out });
  rt.dispatch(SCALE, { x, out }, { n, ...splitScale(s) }, groups(n), ["x", "out"]);
}

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** Backend.fill: out[i] = value rounded to float32. */
export function encodeFill(rt: GpuRuntime, out: GpuTensor, value: number, n: number): void {
  checkLengths("fill", n, { out });
  asFloat[0] = value;
  rt.dispatch(FILL, { out }, { n, bits: bits[0] }, groups(n), ["out"]);
}
