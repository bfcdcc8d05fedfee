/**
 * IEEE 754 half precision (F16) and bfloat16 (BF16) to and from float32, bit for bit as PyTorch's `.half()`,
 * `.bfloat16()` and `.float()` on the CPU: round to nearest, ties to even; results past the largest finite value
 * become ±inf; subnormals are kept, not flushed. Everything works on bit patterns (u32 for float32, u16 for the
 * halves) so that no float arithmetic can round twice. Browser-safe.
 */

/** Float32 bits to F16 bits. Every NaN becomes the quiet NaN 0x7e00 with the NaN's sign, as PyTorch does. */
export function f32ToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | (mant === 0 ? 0x7c00 : 0x7e00);
  const e = exp - 127 + 15; // the exponent biased for F16
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // An F16 subnormal (or zero): the value in units of 2^-24, from the 24-bit significand shifted right.
    if (e < -10) return sign; // below 2^-25, half the smallest subnormal: rounds to zero (2^-25 itself ties to 0)
    const sig = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = sig & ((1 << shift) - 1);
    let out = sig >>> shift;
    if (rest > half || (rest === half && (out & 1) === 1)) out++; // a carry into 0x400 is the smallest normal
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1) === 1)) out++; // a carry past 0x7bff is inf, as it should be
  return sign | out;
}

/**
 * F16 bits to float32 bits, exact: every F16 value is a float32. A NaN keeps its sign and payload and is made quiet,
 * as PyTorch does (the x86 F16C conversion).
 */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | (mant === 0 ? 0x7f800000 : 0x7fc00000 | (mant << 13))) >>> 0;
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: normalise, moving the leading 1 of the 10-bit mantissa up to the implicit bit.
  const lead = 31 - Math.clz32(mant); // 0..9
  return (sign | ((lead - 24 + 127) << 23) | ((mant << (23 - lead)) & 0x7fffff)) >>> 0;
}

/**
 * Float32 bits to BF16 bits: the top 16 bits, rounded. Every NaN becomes 0xffff, as PyTorch's x86 CPU conversion
 * (AVX2) makes it; c10::BFloat16's scalar rounding would give 0x7fc0, also a NaN.
 */
export function f32ToBf16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return 0xffff;
  return ((bits >>> 0) + 0x7fff + ((bits >>> 16) & 1)) >>> 16; // below 2^32 for every non-NaN input
}

/** BF16 bits to float32 bits (exact: BF16 is the top half of a float32). */
export function bf16ToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}

const F32_BITS = new Uint32Array(1);
const F32_VALUE = new Float32Array(F32_BITS.buffer);

function floatFromBits(bits: number): number {
  F32_BITS[0] = bits;
  return F32_VALUE[0]!;
}

/**
 * The smallest magnitudes that round to inf: halfway between each format's largest finite value and the next power
 * of two, where the tie goes up because those largest values have odd mantissas (F16 0x7bff = 65504, BF16 0x7f7f).
 */
export const F16_OVERFLOW = floatFromBits(0x477ff000); // 65520
export const BF16_OVERFLOW = floatFromBits(0x7f7f8000);
