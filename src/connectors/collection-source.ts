/**
 * A bounded source over records held in memory, split across partitions and cut into batches. It is the
 * `testing` module's source and handy for examples; its position is the number of batches read.
 */
import type { Source, SourceBatch, SourceReader } from "./source.js";

export interface CollectionSourceOptions<T> {
  /** Number of partitions; record i goes to partition `partitionOf(record, i)` (default: i mod partitions). */
  readonly partitions?: number;
  readonly partitionOf?: (record: T, index: number) => number;
  /** Records per batch (default 1024). */
  readonly batchSize?: number;
  /** Event times to attach (otherwise the job's clock gives ingest times). */
  readonly times?: readonly number[];
}

/** A bounded in-memory source, e.g. `p.source("readings", fromCollection(rows, { partitions: 2 }))`. */
export function fromCollection<T>(
  records: readonly T[],
  options: CollectionSourceOptions<T> = {},
): Source<T> {
  const partitions = options.partitions ?? 1;
  const batchSize = options.batchSize ?? 1024;
  const partitionOf = options.partitionOf ?? ((_: T, i: number) => i % partitions);
  const batches: SourceBatch<T>[] = [];
  const open: Array<{ items: T[]; times: number[] }> = Array.from({ length: partitions }, () => ({
    items: [],
    times: [],
  }));
  records.forEach((record, i) => {
    const p = partitionOf(record, i);
    if (!(p >= 0 && p < partitions))
      throw new RangeError(`partitionOf gave ${p}; expected 0..${partitions - 1}`);
    const current = open[p]!;
    current.items.push(record);
    if (options.times !== undefined) current.times.push(options.times[i]!);
    if (current.items.length >= batchSize) {
      batches.push({
        partition: p,
        items: current.items,
        ...(options.times ? { times: current.times } : {}),
      });
      open[p] = { items: [], times: [] };
    }
  });
  open.forEach((current, p) => {
    if (current.items.length > 0) {
      batches.push({
        partition: p,
        items: current.items,
        ...(options.times ? { times: current.times } : {}),
      });
    }
  });
  return {
    kind: "collection",
    partitions,
    open(context): SourceReader<T> {
      let next = typeof context.resumeFrom === "number" ? context.resumeFrom : 0;
      return {
        next: () => (next < batches.length ? batches[next++]! : null),
        position: () => next,
      };
    },
  };
}
