/**
 * union: merges several streams of the same type. The runtime already takes the minimum watermark over the
 * inputs; the operator only passes batches on.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator } from "../runtime/operator.js";

export class UnionOperator<T> implements Operator<T, T> {
  processBatch(batch: Batch<T>, out: Collector<T>): void {
    out.emit(batch);
  }
}
