/**
 * `count()`: the number of records.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

const COUNT: AggregateFunction<unknown, number, number> = {
  kind: "count",
  create: () => 0,
  add: (acc) => acc + 1,
  merge: (a, b) => a + b,
  result: (acc) => acc,
  clone: (acc) => acc,
  snapshot: (acc) => acc,
  restore(saved) {
    if (typeof saved !== "number" || !Number.isSafeInteger(saved) || saved < 0) {
      throw new InvalidSnapshotError("count", "a non-negative integer", saved);
    }
    return saved;
  },
};

/** Counts records; 0 for none, e.g. `{ n: count() }`. */
export function count<T = unknown>(): AggregateFunction<T, number, number> {
  return COUNT as AggregateFunction<T, number, number>;
}
