/** How far `actual` is from `expected`, judged as |a − b| ≤ atol + rtol·|b| element by element. */
export interface Comparison {
  what: string;
  maxAbs: number;
  /** Largest |a − b| / |b| over elements with |b| ≥ atol (smaller ones are judged by atol alone). */
  maxRel: number;
  ok: boolean;
  /** The first element out of tolerance, for the report. */
  worst?: string;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function compare(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Comparison {
  if (actual.length !== expected.length) {
    return { what, maxAbs: Infinity, maxRel: Infinity, ok: false, worst: `${actual.length} values, expected ${expected.length}` };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let ok = true;
  let worst: string | undefined;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const diff = Math.abs(a - b);
    if (!(diff <= tol.atol + tol.rtol * Math.abs(b))) {
      if (ok) worst = `element ${i}: ${a} vs ${b}`;
      ok = false;
    }
    if (!(diff <= maxAbs)) maxAbs = Number.isNaN(diff) ? NaN : Math.max(maxAbs, diff);
    if (Math.abs(b) >= tol.atol) maxRel = Math.max(maxRel, diff / Math.abs(b));
  }
  return { what, maxAbs, maxRel, ok, worst };
}

/** Several comparisons folded into one line's worth: worst of each, ok only if all are. */
export function combine(what: string, parts: Comparison[]): Comparison {
  const bad = parts.find((p) => !p.ok);
  return {
    what,
    maxAbs: Math.max(0, ...parts.map((p) => p.maxAbs)),
    maxRel: Math.max(0, ...parts.map((p) => p.maxRel)),
    ok: !bad,
    worst: bad ? `${bad.what} ${bad.worst}` : undefined,
  };
}
