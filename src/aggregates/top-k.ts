/**
 * `topK(selector, k)`: the k most frequent values, from a Space-Saving summary.
 */
import { PipelineDefinitionError } from "../core/errors.js";
import type { AggregateFunction } from "./aggregate-function.js";
import { type CountedValue, SpaceSaving, type ValueCount } from "./space-saving.js";

/** Options for `topK`. */
export interface TopKOptions {
  /** Counters kept; counts are exact while the distinct values seen stay within it (default max(10·k, 100)). */
  capacity?: number;
}

/**
 * The k most frequent `selector(record)` values with their counts, by count descending then value ascending,
 * e.g. `{ hotPages: topK((r) => r.url, 10) }` → `[{ value: "/home", count: 812 }, …]`; `[]` for no records.
 * Beyond `capacity` distinct values counts become upper bounds, and any value with more than n / capacity
 * occurrences is still listed.
 */
export function topK<T, V extends CountedValue>(
  selector: (record: T) => V,
  k: number,
  options: TopKOptions = {},
): AggregateFunction<T, SpaceSaving<V>, Array<ValueCount<V>>, V> {
  if (!Number.isSafeInteger(k) || k < 1) {
    throw new PipelineDefinitionError(`topK: k must be a positive integer, got ${k}`, { kind: "topK", k });
  }
  const capacity = options.capacity ?? Math.max(10 * k, 100);
  if (!Number.isSafeInteger(capacity) || capacity < k) {
    throw new PipelineDefinitionError(
      `topK: capacity must be an integer of at least k (${k}), got ${capacity}`,
      {
        kind: "topK",
        k,
        capacity,
      },
    );
  }
  return {
    kind: "topK",
    create: () => new SpaceSaving<V>(capacity),
    read: selector,
    add(acc, value) {
      acc.add(value);
      return acc;
    },
    merge(a, b) {
      a.merge(b);
      return a;
    },
    result: (acc) => acc.top(k),
    clone: (acc) => acc.clone(),
    snapshot: (acc) => acc.snapshot(),
    restore: (saved) => SpaceSaving.restore<V>(saved, capacity),
  };
}
