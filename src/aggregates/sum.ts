/**
 * `sum(selector)`: the sum of a numeric field.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/**
 * Sums `selector(record)` over the records; 0 for none, e.g. `{ revenue: sum((r) => r.price) }`.
 * Exact for integers while the running total stays within ±2^53; NaN in the input makes the sum NaN.
 */
export function sum<T>(selector: (record: T) => number): AggregateFunction<T, number, number> {
  return {
    kind: "sum",
    create: () => 0,
    add: (acc, record) => acc + selector(record),
    merge: (a, b) => a + b,
    result: (acc) => acc,
    clone: (acc) => acc,
    snapshot: encodeNumber,
    restore(saved) {
      const n = decodeNumber(saved);
      if (n === undefined) throw new InvalidSnapshotError("sum", "a number", saved);
      return n;
    },
  };
}
