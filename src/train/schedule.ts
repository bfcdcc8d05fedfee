/**
 * The paper's learning rate (§5.3), "noam": lr = factor · dModel^−0.5 · min(step^−0.5, step · warmup^−1.5),
 * rising linearly for `warmup` steps, then decaying as 1/√step. Steps count from 1.
 */
export function noamRate(step: number, dModel: number, factor: number, warmup: number): number {
  if (step < 1) throw new RangeError(`noam schedule: steps count from 1, got ${step}`);
  return factor * dModel ** -0.5 * Math.min(step ** -0.5, step * warmup ** -1.5);
}

/** Linear warm-up to `peak` over `warmup` steps, then cosine decay to `floor` at `total` steps. */
export function cosineRate(step: number, peak: number, warmup: number, total: number, floor = 0): number {
  if (step < 1) throw new RangeError(`cosine schedule: steps count from 1, got ${step}`);
  if (warmup > 0 && step <= warmup) return (peak * step) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}
