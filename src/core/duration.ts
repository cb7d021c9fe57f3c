/**
 * Durations as users write them: a number of milliseconds, or a string such as "500ms", "5s", "1m", "2h", "1d".
 * Parsed once when a pipeline is built, so hot paths only ever see milliseconds.
 */
export type Duration = number | `${number}${DurationUnit}`;
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Converts a Duration to milliseconds, e.g. `toMillis("5s") === 5000`. Throws a RangeError naming `what` on bad input. */
export function toMillis(duration: Duration, what = "duration"): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new RangeError(`${what} must be a non-negative number of milliseconds, got ${duration}`);
    }
    return duration;
  }
  const match = DURATION_PATTERN.exec(String(duration).trim());
  if (match === null) {
    throw new RangeError(
      `${what} must look like "500ms", "5s", "1m", "2h" or "1d", got ${JSON.stringify(duration)}`,
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
}
