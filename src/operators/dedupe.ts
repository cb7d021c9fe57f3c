/**
 * dedupe: per key, lets the first record through and drops repeats whose event time is within `within` of
 * the last record let through. State for a key is dropped once the watermark passes that bound.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator } from "../runtime/operator.js";
import { TimerHeap } from "../runtime/timer-heap.js";

export class DedupeOperator<T> implements Operator<T, T> {
  /** Per key: event time until which repeats are dropped. */
  private readonly until = new Map<unknown, number>();
  private readonly expiry = new TimerHeap<unknown>();
  /** Records dropped as duplicates so far. */
  duplicates = 0;

  constructor(private readonly within: number) {}

  processBatch(batch: Batch<T>, out: Collector<T>): void {
    const { items, times, keys } = batch;
    const keptItems: T[] = [];
    const keptTimes: number[] = [];
    const keptKeys: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const key = keys === undefined ? undefined : keys[i];
      const t = times[i]!;
      const bound = this.until.get(key);
      if (bound !== undefined && t < bound) {
        this.duplicates++;
        continue;
      }
      const next = t + this.within;
      this.until.set(key, next);
      this.expiry.push(next, key);
      keptItems.push(items[i]!);
      keptTimes.push(t);
      keptKeys.push(key);
    }
    if (keptItems.length > 0)
      out.emit({ items: keptItems, times: keptTimes, keys: keptKeys, partition: batch.partition });
  }

  onWatermark(watermark: number): void {
    while (this.expiry.size > 0 && this.expiry.peekTime() <= watermark) {
      const key = this.expiry.pop();
      const bound = this.until.get(key);
      if (bound !== undefined && bound <= watermark) this.until.delete(key);
    }
  }

  snapshot(): unknown {
    return { until: [...this.until] };
  }

  restore(saved: unknown): void {
    const s = saved as { until: Array<[unknown, number]> };
    this.until.clear();
    this.expiry.clear();
    for (const [k, t] of s.until) {
      this.until.set(k, t);
      this.expiry.push(t, k);
    }
  }

  /** Keys held, for tests of state clean-up. */
  stateSize(): number {
    return this.until.size;
  }
}
