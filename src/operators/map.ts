/**
 * map: one output record per input record. A record on which user code throws goes to the dead-letter
 * ledger as `failed`; the rest of the batch carries on.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";

export class MapOperator<I, O> implements Operator<I, O> {
  private context!: OperatorContext;
  constructor(private readonly fn: (record: I) => O) {}

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<I>, out: Collector<O>): void {
    const { items, times, keys } = batch;
    const n = items.length;
    const fn = this.fn;
    const mapped: O[] = new Array(n);
    let failed: number[] | undefined;
    let i = 0;
    while (i < n) {
      try {
        for (; i < n; i++) mapped[i] = fn(items[i]!);
      } catch (error) {
        this.context.deadLetter("failed", items[i], times[i]!, error);
        (failed ??= []).push(i);
        i++;
      }
    }
    if (failed === undefined) {
      out.emit({ items: mapped, times, keys, partition: batch.partition });
      return;
    }
    const skip = new Set(failed);
    const keep = (_: unknown, j: number) => !skip.has(j);
    out.emit({
      items: mapped.filter(keep),
      times: times.filter(keep),
      keys: keys?.filter(keep),
      partition: batch.partition,
    });
  }
}
