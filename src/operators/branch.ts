/**
 * branch: splits a stream into named outputs. Each record goes to the first route whose predicate holds;
 * records that match no route go to the `otherwise` output when one is asked for, else nowhere (like filter).
 * Implemented as one route-selection step followed by one filter per output.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";

/** A record tagged with the index of the route it takes (-1: none). */
export interface Routed<T> {
  readonly route: number;
  readonly record: T;
}

export class RouteOperator<T> implements Operator<T, Routed<T>> {
  private context!: OperatorContext;
  constructor(private readonly predicates: Array<(record: T) => boolean>) {}

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<T>, out: Collector<Routed<T>>): void {
    const { items, times } = batch;
    const routed: Routed<T>[] = new Array(items.length);
    const predicates = this.predicates;
    let failed: Set<number> | undefined;
    for (let i = 0; i < items.length; i++) {
      const record = items[i]!;
      let route = -1;
      try {
        for (let r = 0; r < predicates.length; r++) {
          if (predicates[r]!(record)) {
            route = r;
            break;
          }
        }
      } catch (error) {
        this.context.deadLetter("failed", record, times[i]!, error);
        (failed ??= new Set()).add(i);
      }
      routed[i] = { route, record };
    }
    if (failed === undefined) {
      out.emit({ items: routed, times, keys: batch.keys, partition: batch.partition });
      return;
    }
    const keep = (_: unknown, j: number) => !failed!.has(j);
    out.emit({
      items: routed.filter(keep),
      times: times.filter(keep),
      keys: batch.keys?.filter(keep),
      partition: batch.partition,
    });
  }
}

/** Keeps the records routed to `route` and unwraps them. */
export class RouteOutputOperator<T> implements Operator<Routed<T>, T> {
  constructor(private readonly route: number) {}

  processBatch(batch: Batch<Routed<T>>, out: Collector<T>): void {
    const { items, times, keys } = batch;
    const outItems: T[] = [];
    const outTimes: number[] = [];
    const outKeys: unknown[] | undefined = keys === undefined ? undefined : [];
    for (let i = 0; i < items.length; i++) {
      const routed = items[i]!;
      if (routed.route !== this.route) continue;
      outItems.push(routed.record);
      outTimes.push(times[i]!);
      if (outKeys !== undefined) outKeys.push(keys![i]);
    }
    if (outItems.length > 0)
      out.emit({ items: outItems, times: outTimes, keys: outKeys, partition: batch.partition });
  }
}
