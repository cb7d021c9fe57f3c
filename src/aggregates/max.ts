/**
 * `max(selector)`: the largest value of a numeric field.
 *
 * Written out apart from `min` on purpose: one shared body calling Math.min or Math.max through a parameter
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
 * The largest `selector(record)`; null for no records, e.g. `{ hottest: max((r) => r.temp) }`.
 * Follows `Math.max`: a NaN in the input makes the result NaN.
 */
export function max<T>(
  selector: (record: T) => number,
): AggregateFunction<T, OptionalNumber, number | null, number> {
  return {
    kind: "max",
    create: emptyNumber,
    read: selector,
    add(acc, value) {
      if (acc.has) {
        acc.value = Math.max(acc.value, value);
      } else {
        acc.value = value;
        acc.has = true;
      }
      return acc;
    },
    merge(a, b) {
      if (!b.has) return a;
      if (!a.has) return b;
      a.value = Math.max(a.value, b.value);
      return a;
    },
    result: (acc) => (acc.has ? acc.value : null),
    clone: cloneNumber,
    snapshot: snapshotNumber,
    restore: (saved) => restoreNumber("max", saved),
  };
}
