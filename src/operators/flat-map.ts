/**
 * flatMap: zero or more output records per input record, each with the input record's time and key.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";

export class FlatMapOperator<I, O> implements Operator<I, O> {
  private context!: OperatorContext;
  constructor(private readonly fn: (record: I) => Iterable<O>) {}

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<I>, out: Collector<O>): void {
    const { items, times, keys } = batch;
    const outItems: O[] = [];
    const outTimes: number[] = [];
    const outKeys: unknown[] | undefined = keys === undefined ? undefined : [];
    for (let i = 0; i < items.length; i++) {
      let produced: Iterable<O>;
      try {
        produced = this.fn(items[i]!);
        for (const value of produced) {
          outItems.push(value);
          outTimes.push(times[i]!);
          if (outKeys !== undefined) outKeys.push(keys![i]);
        }
      } catch (error) {
        this.context.deadLetter("failed", items[i], times[i]!, error);
      }
    }
    if (outItems.length > 0)
      out.emit({ items: outItems, times: outTimes, keys: outKeys, partition: batch.partition });
  }
}
