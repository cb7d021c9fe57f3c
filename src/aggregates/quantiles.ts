/**
 * `quantile(selector, q)` and `quantiles(selector, qs)`: approximate quantiles of a numeric field, from a
 * DDSketch with bounded relative error.
 */
import { PipelineDefinitionError } from "../core/errors.js";
import type { AggregateFunction } from "./aggregate-function.js";
import { DDSketch, rankable } from "./dd-sketch.js";

/** Options for `quantile` and `quantiles`. */
export interface QuantileOptions {
  /** Relative accuracy α in (0, 1): answers are within ±α·|exact| (default 0.01, i.e. 1%). */
  relativeAccuracy?: number;
}

/**
 * The q-quantile of `selector(record)` (the value of rank ⌊q·(n−1)⌋ in sorted order) within the relative
 * accuracy; null for no records, e.g. `{ p99Latency: quantile((r) => r.latencyMs, 0.99) }`. Values must be
 * finite numbers: a record whose value is NaN, ±Infinity or not a number is refused (in a window, it goes to
 * the dead-letter ledger as `failed`).
 */
export function quantile<T>(
  selector: (record: T) => number,
  q: number,
  options: QuantileOptions = {},
): AggregateFunction<T, DDSketch, number | null, number> {
  checkQuantile("quantile", q);
  const sketch = sketchOf<T>("quantile", selector, options);
  return { ...sketch, kind: "quantile", result: (acc) => acc.quantile(q) };
}

/**
 * Several quantiles of `selector(record)` from one sketch, keyed "p50", "p95", "p99.9", …; each null for no
 * records, e.g. `{ latency: quantiles((r) => r.latencyMs, [0.5, 0.95, 0.99]) }`.
 */
export function quantiles<T>(
  selector: (record: T) => number,
  qs: readonly number[] = [0.5, 0.95, 0.99],
  options: QuantileOptions = {},
): AggregateFunction<T, DDSketch, Record<string, number | null>, number> {
  if (qs.length === 0) {
    throw new PipelineDefinitionError("quantiles: give at least one quantile, e.g. [0.5, 0.95, 0.99]", {
      kind: "quantiles",
    });
  }
  for (const q of qs) checkQuantile("quantiles", q);
  const keys = qs.map(quantileKey);
  const sketch = sketchOf<T>("quantiles", selector, options);
  return {
    ...sketch,
    kind: "quantiles",
    result(acc) {
      const out: Record<string, number | null> = {};
      for (let i = 0; i < qs.length; i++) out[keys[i]!] = acc.quantile(qs[i]!);
      return out;
    },
  };
}

/** The result key of quantile q: "p" and the percentage, e.g. `quantileKey(0.999)` → `"p99.9"`. */
export function quantileKey(q: number): string {
  return `p${Number((q * 100).toPrecision(12))}`;
}

function checkQuantile(kind: string, q: number): void {
  if (!(q >= 0 && q <= 1)) {
    throw new PipelineDefinitionError(`${kind}: a quantile must be between 0 and 1 (e.g. 0.95), got ${q}`, {
      kind,
      q,
    });
  }
}

/** Everything but `kind` and `result`, shared by `quantile` and `quantiles`. */
function sketchOf<T>(
  kind: string,
  selector: (record: T) => number,
  options: QuantileOptions,
): Omit<AggregateFunction<T, DDSketch, unknown, number>, "kind" | "result"> {
  const alpha = options.relativeAccuracy ?? 0.01;
  if (!(alpha > 0 && alpha < 1)) {
    throw new PipelineDefinitionError(
      `${kind}: relativeAccuracy must be between 0 and 1 exclusive (e.g. 0.01 for 1%), got ${alpha}`,
      { kind, relativeAccuracy: alpha },
    );
  }
  return {
    create: () => new DDSketch(alpha),
    read: (record) => rankable(selector(record)),
    add(acc, value) {
      acc.add(value);
      return acc;
    },
    merge(a, b) {
      a.merge(b);
      return a;
    },
    clone: (acc) => acc.clone(),
    snapshot: (acc) => acc.snapshot(),
    restore: (saved) => DDSketch.restore(saved, alpha, kind),
  };
}
