/**
 * `approxDistinct(selector)`: the approximate number of distinct values, from a HyperLogLog sketch.
 */
import { PipelineDefinitionError } from "../core/errors.js";
import type { AggregateFunction } from "./aggregate-function.js";
import { HyperLogLog, MAX_PRECISION, MIN_PRECISION } from "./hyperloglog.js";
import { hashValue } from "./value-hash.js";

/** Options for `approxDistinct`. */
export interface ApproxDistinctOptions {
  /** log2 of the number of registers, 4–18 (default 14: 16,384 registers, about 0.8% standard error). */
  precision?: number;
}

/**
 * The approximate number of distinct `selector(record)` values (strings or numbers; `1` and `1.0` are one
 * value, `"1"` another), e.g. `{ visitors: approxDistinct((r) => r.userId) }`. 0 for no records. The standard
 * error is about 1.04 / sqrt(2^precision); small counts are close to exact.
 */
export function approxDistinct<T>(
  selector: (record: T) => string | number,
  options: ApproxDistinctOptions = {},
): AggregateFunction<T, HyperLogLog, number, string | number> {
  const precision = options.precision ?? 14;
  if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
    throw new PipelineDefinitionError(
      `approxDistinct: precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, got ${precision}`,
      { kind: "approxDistinct", precision },
    );
  }
  const hash = new Uint32Array(2);
  return {
    kind: "approxDistinct",
    create: () => new HyperLogLog(precision),
    read(record) {
      const value = selector(record);
      // Values of other types (from untyped callers) hash as their string form; String() runs here, where
      // a throw refuses the record, rather than in `add`.
      return typeof value === "string" || typeof value === "number" ? value : String(value);
    },
    add(acc, value) {
      hashValue(value, hash);
      acc.addHash(hash[0]!, hash[1]!);
      return acc;
    },
    merge(a, b) {
      a.merge(b);
      return a;
    },
    result: (acc) => acc.estimate(),
    clone: (acc) => acc.clone(),
    snapshot: (acc) => acc.snapshot(),
    restore: (saved) => HyperLogLog.restore(saved, precision),
  };
}
