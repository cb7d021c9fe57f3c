/**
 * keyBy: computes each record's key. In one process nothing moves; the keys ride along in the batch and
 * every keyed step downstream reads them. Object keys are compared by their JSON text.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";

/** Makes a key usable in a Map: primitives as they are, objects by their JSON text. */
export function normalizeKey(key: unknown): unknown {
  return typeof key === "object" && key !== null ? JSON.stringify(key) : key;
}

export class KeyByOperator<T> implements Operator<T, T> {
  private context!: OperatorContext;
  constructor(private readonly selector: (record: T) => unknown) {}

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<T>, out: Collector<T>): void {
    const { items, times } = batch;
    const n = items.length;
    const selector = this.selector;
    const keys: unknown[] = new Array(n);
    let failed: Set<number> | undefined;
    let i = 0;
    while (i < n) {
      try {
        for (; i < n; i++) {
          const k = selector(items[i]!);
          keys[i] = typeof k === "object" && k !== null ? JSON.stringify(k) : k;
        }
      } catch (error) {
        this.context.deadLetter("failed", items[i], times[i]!, error);
        (failed ??= new Set()).add(i);
        i++;
      }
    }
    if (failed === undefined) {
      out.emit({ items, times, keys, partition: batch.partition });
      return;
    }
    const keep = (_: unknown, j: number) => !failed!.has(j);
    out.emit({
      items: items.filter(keep),
      times: times.filter(keep),
      keys: keys.filter(keep),
      partition: batch.partition,
    });
  }
}
