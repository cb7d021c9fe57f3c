/**
 * The terminal step that hands batches to a Sink.
 */
import type { Batch } from "../core/batch.js";
import type { Operator, OperatorContext } from "../runtime/operator.js";
import type { Sink } from "./sink.js";

export class SinkOperator<T> implements Operator<T, never> {
  constructor(readonly sink: Sink<T>) {}

  open(context: OperatorContext): void {
    this.sink.open?.({ stepId: context.stepId });
  }

  processBatch(batch: Batch<T>): void {
    this.sink.write(batch.items, batch.times);
  }

  onEnd(): void {
    this.sink.end?.();
  }
}
