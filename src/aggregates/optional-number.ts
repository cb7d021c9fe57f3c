/**
 * A mutable number cell that may be empty: the accumulator of `min` and `max`. Updating a number field in
 * place allocates nothing, where returning a fresh non-integer number from `add` would box it on every record.
 */
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/** A number, or nothing yet while `has` is false. */
export interface OptionalNumber {
  has: boolean;
  value: number;
}

/** An empty cell, e.g. `emptyNumber()`. */
export function emptyNumber(): OptionalNumber {
  return { has: false, value: 0 };
}

/** A copy of `cell`, e.g. `cloneNumber(acc)`. */
export function cloneNumber(cell: OptionalNumber): OptionalNumber {
  return { has: cell.has, value: cell.value };
}

/** The checkpoint form: the number (NaN and ±Infinity as strings), or null when empty, e.g. `snapshotNumber(acc)`. */
export function snapshotNumber(cell: OptionalNumber): unknown {
  return cell.has ? encodeNumber(cell.value) : null;
}

/** Rebuilds a cell from `snapshotNumber`'s output, e.g. `restoreNumber("min", saved)`. */
export function restoreNumber(kind: string, saved: unknown): OptionalNumber {
  if (saved === null) return emptyNumber();
  const value = decodeNumber(saved);
  if (value === undefined) throw new InvalidSnapshotError(kind, "a number or null", saved);
  return { has: true, value };
}
