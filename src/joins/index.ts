/**
 * Joins of two keyed streams in event time. `WindowJoinOperator` pairs the records of the same key that fall
 * in the same tumbling or sliding window and emits them when the window closes (`WindowCoGroupOperator`
 * hands each key's two record lists per window to user code instead, for outer joins and custom pairing).
 * `IntervalJoinOperator` pairs records whose times lie within a fixed distance of each other and emits each
 * pair as soon as its second record arrives. `TemporalJoinOperator` looks each record of a probe stream up in
 * a versioned table built from a changelog, as of the probe's event time. In all of them input 0 is the left
 * (probe) side and input 1 the right (changelog) side, results carry the join key, records later than the
 * watermark go to the dead-letter ledger, state is cleaned as the watermark passes, and `snapshot()` is
 * plain JSON (so records and keys must be JSON-serialisable to be checkpointed).
 */

export { IntervalJoinOperator, type IntervalJoinOptions } from "./interval-join.js";
export { TemporalJoinOperator, type TemporalJoinOptions } from "./temporal-join.js";
export {
  type JoinWindow,
  WindowCoGroupOperator,
  type WindowCoGroupOptions,
  WindowJoinOperator,
  type WindowJoinOptions,
} from "./window-join.js";
