/**
 * Numbers in checkpoints. JSON has no NaN, ±Infinity or -0, so those are written as strings and read back
 * exactly; every other number is written as itself.
 */

/** A number as it is stored in a JSON checkpoint. */
export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity" | "-0";

/** Encodes a number for a JSON checkpoint, e.g. `encodeNumber(-Infinity)` → `"-Infinity"`, `encodeNumber(2)` → `2`. */
export function encodeNumber(n: number): JsonNumber {
  if (n !== 0 && Number.isFinite(n)) return n;
  if (n === 0) return Object.is(n, -0) ? "-0" : 0;
  if (Number.isNaN(n)) return "NaN";
  return n > 0 ? "Infinity" : "-Infinity";
}

/** Decodes `encodeNumber`'s output; undefined when `saved` is not such a value, e.g. `decodeNumber("NaN")` → `NaN`. */
export function decodeNumber(saved: unknown): number | undefined {
  if (typeof saved === "number") return saved;
  switch (saved) {
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.POSITIVE_INFINITY;
    case "-Infinity":
      return Number.NEGATIVE_INFINITY;
    case "-0":
      return -0;
    default:
      return undefined;
  }
}
