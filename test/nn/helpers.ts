import assert from "node:assert/strict";
import type { Tensor } from "../../src/tensor/index.js";

/** |actual − expected| ≤ tol everywhere, naming the first index that is not. */
export function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Sets a parameter to the given values (row-major). */
export function setParam(t: Tensor, values: readonly number[]): void {
  assert.equal(values.length, t.size, "values for every element");
  t.data.set(values);
}

/** The identity matrix n×n, row-major. */
export function identity(n: number): number[] {
  return Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
}

/** LayerNorm of one row in float64, unit gain and zero bias (the biased variance, as PyTorch). */
export function layerNormRow(x: readonly number[], eps: number): number[] {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
  return x.map((v) => (v - mean) / Math.sqrt(variance + eps));
}
