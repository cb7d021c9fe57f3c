/**
 * Values grouped by a deadline time and released earliest deadline first: the joins' eviction queues
 * (which keys hold state a watermark can clean). Values with the same deadline share one bucket, so in a
 * busy stream — many records per millisecond — scheduling is a map lookup and an array push, and the
 * ordering work (a min-heap of distinct deadlines) is paid once per millisecond rather than per record.
 */
import { TimerHeap } from "../runtime/timer-heap.js";

export class DeadlineQueue<T> {
  private readonly order = new TimerHeap<T[]>();
  private readonly buckets = new Map<number, T[]>();
  private lastTime = Number.NaN;
  private lastBucket: T[] | undefined;

  /** Number of distinct deadlines waiting. */
  get size(): number {
    return this.order.size;
  }

  /** The earliest deadline, or +Infinity when empty, e.g. `while (queue.peekTime() < watermark) …`. */
  peekTime(): number {
    return this.order.peekTime();
  }

  /** Adds `value` under `time`. */
  add(time: number, value: T): void {
    if (time === this.lastTime) {
      this.lastBucket!.push(value);
      return;
    }
    let bucket = this.buckets.get(time);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(time, bucket);
      this.order.push(time, bucket);
    }
    bucket.push(value);
    this.lastTime = time;
    this.lastBucket = bucket;
  }

  /** Removes and returns the values of the earliest deadline (in the order they were added); the queue must not be empty. */
  popEarliest(): T[] {
    const time = this.order.peekTime();
    const bucket = this.order.pop()!;
    this.buckets.delete(time);
    if (time === this.lastTime) {
      this.lastTime = Number.NaN;
      this.lastBucket = undefined;
    }
    return bucket;
  }

  /** Removes everything. */
  clear(): void {
    this.order.clear();
    this.buckets.clear();
    this.lastTime = Number.NaN;
    this.lastBucket = undefined;
  }
}
