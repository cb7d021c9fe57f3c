/**
 * A binary min-heap of values ordered by a time, kept in two parallel arrays so pushing and popping allocate
 * nothing per entry. The joins use it to release buffered records in time order and, through
 * `DeadlineQueue`, to find the keys whose state a watermark can clean, so a watermark touches only what is
 * due instead of scanning every key. Entries with equal times come out in no particular order.
 */
export class TimeHeap<T> {
  private readonly times: number[] = [];
  private readonly values: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.times.length;
  }

  /** The smallest time in the heap, or +Infinity when it is empty, e.g. `while (heap.peekTime() < w) heap.pop()`. */
  peekTime(): number {
    return this.times.length === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  /** Adds `value` under `time`. */
  push(time: number, value: T): void {
    const times = this.times;
    const values = this.values;
    let i = times.length;
    times.push(time);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt <= time) break;
      times[i] = pt;
      values[i] = values[parent]!;
      i = parent;
    }
    times[i] = time;
    values[i] = value;
  }

  /** Removes and returns the value with the smallest time; the heap must not be empty. */
  pop(): T {
    const times = this.times;
    const values = this.values;
    const top = values[0]!;
    const lastTime = times.pop()!;
    const lastValue = values.pop()!;
    const n = times.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= lastTime) break;
      times[i] = times[child]!;
      values[i] = values[child]!;
      i = child;
    }
    times[i] = lastTime;
    values[i] = lastValue;
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.times.length = 0;
    this.values.length = 0;
  }
}
