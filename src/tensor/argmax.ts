/**
 * The position, counted from `start`, of the largest of values[start..end): the lowest among ties, so that
 * every decoder and score picks the same token or class for the same numbers.
 */
export function argmax(values: ArrayLike<number>, start = 0, end = values.length): number {
  let best = start;
  for (let i = start + 1; i < end; i++) if (values[i] > values[best]) best = i;
  return best - start;
}
