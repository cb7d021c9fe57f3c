/**
 * `first(selector)`: the selected value of the earliest record in event time.
 */
import type { AggregateFunction } from "./aggregate-function.js";
import {
  cloneTimedValue,
  emptyTimedValue,
  restoreTimedValue,
  snapshotTimedValue,
  type TimedValue,
} from "./timed-value.js";

/**
 * `selector(record)` of the record with the smallest event time (the earliest added among equal times);
 * null for no records, e.g. `{ openPrice: first((t) => t.price) }`. The selector runs for every record, so
 * whether a record fails does not depend on the order records arrive in.
 */
export function first<T, V>(selector: (record: T) => V): AggregateFunction<T, TimedValue<V>, V | null, V> {
  return {
    kind: "first",
    create: emptyTimedValue,
    read: selector,
    add(acc, value, time) {
      if (!acc.has || time < acc.time) {
        acc.value = value;
        acc.time = time;
        acc.has = true;
      }
      return acc;
    },
    // `b` holds records added after `a`'s, so it wins only with a strictly earlier time.
    merge: (a, b) => (b.has && (!a.has || b.time < a.time) ? b : a),
    result: (acc) => (acc.has ? (acc.value as V) : null),
    clone: cloneTimedValue,
    snapshot: snapshotTimedValue,
    restore: (saved) => restoreTimedValue<V>("first", saved),
  };
}
