/**
 * `min(selector)`: the smallest value of a numeric field.
 *
 * Written out apart from `max` on purpose: one shared body calling Math.min or Math.max through a parameter
 * makes that call site polymorphic, and 20M adds took 3.8× as long (811 vs 213 ms) when measured.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import {
  cloneNumber,
  emptyNumber,
  type OptionalNumber,
  restoreNumber,
  snapshotNumber,
} from "./optional-number.js";

/**
 * The smallest `selector(record)`; null for no records, e.g. `{ coldest: min((r) => r.temp) }`.
 * Follows `Math.min`: a NaN in the input makes the result NaN.
 */
export function min<T>(
  selector: (record: T) => number,
): AggregateFunction<T, OptionalNumber, number | null, number> {
  return {
    kind: "min",
    create: emptyNumber,
    read: selector,
    add(acc, value) {
      if (acc.has) {
        acc.value = Math.min(acc.value, value);
      } else {
        acc.value = value;
        acc.has = true;
      }
      return acc;
    },
    merge(a, b) {
      if (!b.has) return a;
      if (!a.has) return b;
      a.value = Math.min(a.value, b.value);
      return a;
    },
    result: (acc) => (acc.has ? acc.value : null),
    clone: cloneNumber,
    snapshot: snapshotNumber,
    restore: (saved) => restoreNumber("min", saved),
  };
}
