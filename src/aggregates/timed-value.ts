/**
 * The accumulator behind `first` and `last`: one selected value and the event time of the record it came
 * from, updated in place so adding a record allocates nothing.
 */
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/** A selected value and its record's event time; `has` is false until a record is added. */
export interface TimedValue<V> {
  has: boolean;
  time: number;
  value: V | undefined;
}

/** A TimedValue holding nothing yet, e.g. `emptyTimedValue<string>()`. */
export function emptyTimedValue<V>(): TimedValue<V> {
  return { has: false, time: 0, value: undefined };
}

/** A copy of `acc` (the value itself is shared, so values are treated as immutable), e.g. `cloneTimedValue(acc)`. */
export function cloneTimedValue<V>(acc: TimedValue<V>): TimedValue<V> {
  return { has: acc.has, time: acc.time, value: acc.value };
}

/** The checkpoint form of `acc`: `{ time, value }`, or null when empty, e.g. `snapshotTimedValue(acc)`. */
export function snapshotTimedValue<V>(acc: TimedValue<V>): unknown {
  return acc.has ? { time: encodeNumber(acc.time), value: acc.value } : null;
}

/** Rebuilds a TimedValue from `snapshotTimedValue`'s output, e.g. `restoreTimedValue("first", saved)`. */
export function restoreTimedValue<V>(kind: string, saved: unknown): TimedValue<V> {
  if (saved === null) return emptyTimedValue();
  const s = saved as { time?: unknown; value?: unknown };
  // A selected `undefined` is dropped by JSON, so a missing value restores as undefined.
  const time = typeof saved === "object" ? decodeNumber(s.time) : undefined;
  if (time === undefined) throw new InvalidSnapshotError(kind, "{ time: number, value } or null", saved);
  return { has: true, time, value: s.value as V };
}
