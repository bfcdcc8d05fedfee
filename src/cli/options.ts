import { InvalidArgumentError } from "commander";

/** commander parser for an integer option: refuses "1.5", "abc" and "" instead of passing NaN along. */
export function integerOption(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

export function numberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}
