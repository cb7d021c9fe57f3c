/**
 * Aggregates: the functions a window or a keyed group folds its records into. Each one implements the
 * mergeable AggregateFunction contract (create / add / merge / result, plus clone and snapshot / restore for
 * checkpoints), so sliding windows combine panes and session windows merge without re-reading records. The
 * exact ones (`count`, `sum`, `avg`, `min`, `max`, `first`, `last`) keep a number or a small object updated in
 * place; the approximate ones keep bounded sketches: HyperLogLog for `approxDistinct`, DDSketch for
 * `quantile` / `quantiles` (relative-error guarantee) and Space-Saving for `topK`. `aggregate({...})` turns a
 * user-defined accumulator into one. Combine them in an AggregateSpec, e.g.
 * `{ n: count(), avgTemp: avg((r) => r.temp), p99: quantile((r) => r.latencyMs, 0.99) }`.
 */
export type { AggregateFunction, AggregateResults, AggregateSpec } from "./aggregate-function.js";
export { addRecord } from "./aggregate-function.js";
export type { MeanAccumulator } from "./avg.js";
export { avg } from "./avg.js";
export { count } from "./count.js";
export type { AggregateDefinition } from "./custom.js";
export { aggregate } from "./custom.js";
export type { DDSketch } from "./dd-sketch.js";
export type { ApproxDistinctOptions } from "./distinct-count.js";
export { approxDistinct } from "./distinct-count.js";
export { first } from "./first.js";
export type { HyperLogLog } from "./hyperloglog.js";
export { InvalidSnapshotError } from "./invalid-snapshot-error.js";
export { last } from "./last.js";
export { max } from "./max.js";
export { min } from "./min.js";
export type { OptionalNumber } from "./optional-number.js";
export type { QuantileOptions } from "./quantiles.js";
export { quantile, quantileKey, quantiles } from "./quantiles.js";
export type { CountedValue, SpaceSaving, ValueCount } from "./space-saving.js";
export type { SumAccumulator } from "./sum.js";
export { sum } from "./sum.js";
export type { TimedValue } from "./timed-value.js";
export type { TopKOptions } from "./top-k.js";
export { topK } from "./top-k.js";
