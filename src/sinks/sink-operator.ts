/**
 * The terminal step that hands batches to a Sink.
 */
import type { Batch } from "../core/batch.js";
import type { Operator, OperatorContext } from "../runtime/operator.js";
import type { Sink } from "./sink.js";

export class SinkOperator<T> implements Operator<T, never> {
  constructor(readonly sink: Sink<T>) {}

  open(context: OperatorContext): void {
    this.sink.open?.({ stepId: context.stepId, views: context.views });
  }

  snapshot(): unknown {
    return { sink: this.sink.checkpoint?.() ?? null };
  }

  restore(saved: unknown): void {
    this.sink.recover?.((saved as { sink: unknown }).sink);
  }

  processBatch(batch: Batch<T>): void {
    this.sink.write(batch.items, batch.times);
  }

  onEnd(): void {
    this.sink.end?.();
  }
}
