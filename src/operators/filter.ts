/**
 * filter: keeps the records for which the predicate is true. A record on which the predicate throws goes to
 * the dead-letter ledger as `failed`.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";

export class FilterOperator<T> implements Operator<T, T> {
  private context!: OperatorContext;
  constructor(private readonly predicate: (record: T) => boolean) {}

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<T>, out: Collector<T>): void {
    const { items, times, keys } = batch;
    const n = items.length;
    const predicate = this.predicate;
    const keptItems: T[] = [];
    const keptTimes: number[] = [];
    const keptKeys: unknown[] | undefined = keys === undefined ? undefined : [];
    let i = 0;
    while (i < n) {
      try {
        for (; i < n; i++) {
          const item = items[i]!;
          if (predicate(item)) {
            keptItems.push(item);
            keptTimes.push(times[i]!);
            if (keptKeys !== undefined) keptKeys.push(keys![i]);
          }
        }
      } catch (error) {
        this.context.deadLetter("failed", items[i], times[i]!, error);
        i++;
      }
    }
    if (keptItems.length === n) out.emit(batch);
    else if (keptItems.length > 0) {
      out.emit({ items: keptItems, times: keptTimes, keys: keptKeys, partition: batch.partition });
    }
  }
}
