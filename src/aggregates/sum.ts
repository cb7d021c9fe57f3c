/**
 * `sum(selector)`: the sum of a numeric field.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/**
 * The running total behind `sum`, updated in place: returning a fresh non-integer number from `add` would box
 * it on every record.
 */
export interface SumAccumulator {
  total: number;
}

/**
 * Sums `selector(record)` over the records; 0 for none, e.g. `{ revenue: sum((r) => r.price) }`.
 * Exact for integers while the running total stays within ±2^53; NaN in the input makes the sum NaN.
 */
export function sum<T>(
  selector: (record: T) => number,
): AggregateFunction<T, SumAccumulator, number, number> {
  return {
    kind: "sum",
    create: () => ({ total: 0 }),
    read: selector,
    add(acc, value) {
      acc.total += value;
      return acc;
    },
    merge(a, b) {
      a.total += b.total;
      return a;
    },
    result: (acc) => acc.total,
    clone: (acc) => ({ total: acc.total }),
    snapshot: (acc) => encodeNumber(acc.total),
    restore(saved) {
      const total = decodeNumber(saved);
      if (total === undefined) throw new InvalidSnapshotError("sum", "a number", saved);
      return { total };
    },
  };
}
