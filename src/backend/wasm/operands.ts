/**
 * Where one kernel call's operands are in wasm memory. A resident array (arena.ts) is used in place: an input is
 * read where it is and an output written where it is, with no copy. Any other array is copied into scratch (an
 * input) or computed in scratch and copied out (an output). Results are the same bits either way: the kernels
 * are the same, only their pointers differ. The one care is aliasing: a copied input is a snapshot taken before
 * the kernel runs, a resident one is not, so a resident input that overlaps a resident output of the same call
 * is copied all the same, unless it is that output exactly and the kernel may run in place.
 */
import type { Arena } from "./arena.js";

const F = 4; // bytes per float

/** Whether two byte ranges [a0, a1) and [b0, b1) share a byte. */
const overlap = (a0: number, a1: number, b0: number, b1: number): boolean => a0 < b1 && b0 < a1;

/**
 * The byte address of x[from] when a kernel may read x[from .. to) where it is: x is resident and clear of the
 * call's resident `outputs`, or is exactly the output `inPlace` (which the kernel may overwrite as it reads); else -1.
 */
export function inPlaceInput(arena: Arena, x: Float32Array, from: number, to: number,
  outputs: readonly Float32Array[] = [], inPlace: Float32Array | null = null): number {
  const base = arena.residentAt(x);
  if (base < 0) return -1;
  const lo = base + from * F, hi = base + to * F;
  const clear = outputs.every((o) => {
    const at = arena.residentAt(o);
    if (at < 0 || !overlap(lo, hi, at, at + o.byteLength)) return true;
    return o === inPlace && at === base && o.length === x.length;
  });
  return clear ? lo : -1;
}

/** The byte address of x[from] for a kernel to read x[from .. to): in place (inPlaceInput), else a copy in scratch. */
export function input(arena: Arena, x: Float32Array, from: number, to: number, outputs: readonly Float32Array[] = [],
  inPlace: Float32Array | null = null): number {
  const at = inPlaceInput(arena, x, from, to, outputs, inPlace);
  return at >= 0 ? at : arena.copyIn(x, from, to);
}

/** The byte address of out[0] when out is resident (written in place), else -1 (computed in scratch, copied out). */
export function output(arena: Arena, out: Float32Array): number {
  return arena.residentAt(out);
}

/** Where `count` floats of output go: `resident` when out is resident, else `scratch` (a copied input to overwrite) or new scratch. */
export function outputAt(arena: Arena, resident: number, count: number, scratch = -1): number {
  if (resident >= 0) return resident;
  if (scratch >= 0 && arena.isScratch(scratch)) return scratch;
  return arena.alloc(count * F);
}

/** Copies `count` floats computed at byte address `at` to out, unless they were computed in out itself (resident). */
export function finish(arena: Arena, resident: number, at: number, out: Float32Array, count: number): void {
  if (at !== resident) arena.copyOut(at, out, 0, count);
}
