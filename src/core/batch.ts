/**
 * A batch is the unit the runtime moves: records with their event timestamps (and keys, once keyed) in
 * parallel arrays. Operators never mutate a batch they receive; they build a new one.
 */
export interface Batch<T> {
  /** The records. */
  readonly items: T[];
  /** Event time of each record, in ms since the epoch, parallel to `items`. */
  readonly times: number[];
  /** Key of each record, parallel to `items`, once the stream is keyed; otherwise undefined. */
  readonly keys: unknown[] | undefined;
  /** The source partition every record came from, when known (watermarks are tracked per partition). */
  readonly partition: number;
}

/** Partition value for batches that did not come straight from one source partition. */
export const NO_PARTITION = -1;

/** Builds a batch, e.g. `batchOf([a, b], [1000, 1001])`. */
export function batchOf<T>(
  items: T[],
  times: number[],
  keys?: unknown[],
  partition: number = NO_PARTITION,
): Batch<T> {
  return { items, times, keys, partition };
}
