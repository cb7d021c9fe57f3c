/**
 * `min(selector)`: the smallest value of a numeric field.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/**
 * The smallest `selector(record)`; null for no records, e.g. `{ coldest: min((r) => r.temp) }`.
 * Follows `Math.min`: a NaN in the input makes the result NaN.
 */
export function min<T>(selector: (record: T) => number): AggregateFunction<T, number | null, number | null> {
  return {
    kind: "min",
    create: () => null,
    add(acc, record) {
      const value = selector(record);
      return acc === null ? value : Math.min(acc, value);
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
    result: (acc) => acc,
    clone: (acc) => acc,
    snapshot: (acc) => (acc === null ? null : encodeNumber(acc)),
    restore(saved) {
      if (saved === null) return null;
      const n = decodeNumber(saved);
      if (n === undefined) throw new InvalidSnapshotError("min", "a number or null", saved);
      return n;
    },
  };
}
