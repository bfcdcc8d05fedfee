/** Class labels of a classification corpus ↔ class ids (the ids are positions in the sorted label list). */
import { DataError } from "../errors.js";

export interface LabelMap {
  /** The distinct labels in sorted (Unicode code point) order; a label's class id is its index. */
  labels: string[];
  /** Label → class id. */
  ids: Map<string, number>;
}

/** The map of the distinct labels of a training set, sorted as Python's sorted() would sort them. */
export function buildLabelMap(labels: Iterable<string>): LabelMap {
  const sorted = [...new Set(labels)].sort(compareCodePoints);
  return { labels: sorted, ids: new Map(sorted.map((l, i) => [l, i])) };
}

/** Class ids of `labels`; an unknown label is a DataError naming `source`:line when where is given. */
export function labelIds(
  labels: readonly string[], map: LabelMap, where?: { source: string; lineNumbers: readonly number[] },
): Int32Array {
  return Int32Array.from(labels, (label, i) => {
    const id = map.ids.get(label);
    if (id === undefined) {
      const at = where === undefined ? `example ${i}` : `${where.source}:${where.lineNumbers[i] ?? "?"}`;
      throw new DataError(`${at}: unknown label "${label}" (expected one of: ${map.labels.join(", ")})`);
    }
    return id;
  });
}

/** Orders strings by code point (not UTF-16 code unit, which misplaces characters above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return (ca.done ? 0 : 1) - (cb.done ? 0 : 1);
    const d = (ca.value.codePointAt(0) as number) - (cb.value.codePointAt(0) as number);
    if (d !== 0) return d;
  }
}
