/**
 * erf(x) to about 1e-15 relative error (W. J. Cody's rational approximations, as in most libms), since
 * JavaScript's Math has no erf and exact GELU needs one well inside float32 precision.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    const t = x * x;
    const p = ((((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t
      + 377.485237685302021) * t + 3209.37758913846947);
    const q = ((((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t
      + 2844.23683343917062);
    return (x * p) / q;
  }
  const r = erfcPositive(ax);
  return x < 0 ? r - 1 : 1 - r;
}

/** erfc(x) for x ≥ 0.5. */
function erfcPositive(x: number): number {
  if (x >= 6) return 0; // erfc(6) ≈ 2e-17: below double precision of 1 − erfc
  let r: number;
  if (x < 4) {
    const p = (((((((2.15311535474403846e-8 * x + 5.64188496988670089e-1) * x + 8.88314979438837594) * x
      + 66.1191906371416295) * x + 298.635138197400131) * x + 881.952221241769090) * x
      + 1712.04761263407058) * x + 2051.07837782607147) * x + 1230.33935479799725;
    const q = (((((((x + 15.7449261107098347) * x + 117.693950891312499) * x + 537.181101862009858) * x
      + 1621.38957456669019) * x + 3290.79923573345963) * x + 4362.61909014324716) * x
      + 3439.36767414372164) * x + 1230.33935480374942;
    r = p / q;
  } else {
    const z = 1 / (x * x);
    const p = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z + 3.60344899949804439e-1) * z
      + 1.25781726111229246e-1) * z + 1.60837851487422766e-2) * z + 6.58749161529837803e-4;
    const q = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 5.27905102951428412e-1) * z
      + 6.05183413124413191e-2) * z + 2.33520497626869185e-3;
    r = (1 / Math.sqrt(Math.PI) - (z * p) / q) / x;
  }
  // exp(-x²) split as exp(-xs²)·exp(-(x-xs)(x+xs)) to keep the tail accurate
  const xs = Math.trunc(x * 16) / 16;
  return Math.exp(-xs * xs) * Math.exp(-(x - xs) * (x + xs)) * r;
}
