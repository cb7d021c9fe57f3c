/**
 * `avg(selector)`: the arithmetic mean of a numeric field.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/** The running total and count behind `avg`, updated in place. */
export interface MeanAccumulator {
  sum: number;
  count: number;
}

/**
 * The mean of `selector(record)`; null for no records, e.g. `{ avgTemp: avg((r) => r.temp) }`.
 * Keeps the exact sum and count, so the mean of integers is correctly rounded while the sum stays within ±2^53.
 */
export function avg<T>(
  selector: (record: T) => number,
): AggregateFunction<T, MeanAccumulator, number | null, number> {
  return {
    kind: "avg",
    create: () => ({ sum: 0, count: 0 }),
    read: selector,
    add(acc, value) {
      acc.sum += value;
      acc.count++;
      return acc;
    },
    merge(a, b) {
      a.sum += b.sum;
      a.count += b.count;
      return a;
    },
    result: (acc) => (acc.count === 0 ? null : acc.sum / acc.count),
    clone: (acc) => ({ sum: acc.sum, count: acc.count }),
    snapshot: (acc) => ({ sum: encodeNumber(acc.sum), count: acc.count }),
    restore(saved) {
      const s = saved as { sum?: unknown; count?: unknown } | null;
      const total = typeof s === "object" && s !== null ? decodeNumber(s.sum) : undefined;
      const n = typeof s === "object" && s !== null ? s.count : undefined;
      if (total === undefined || typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw new InvalidSnapshotError("avg", "{ sum: number, count: non-negative integer }", saved);
      }
      return { sum: total, count: n };
    },
  };
}
