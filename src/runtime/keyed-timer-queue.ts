/**
 * Timers of keyed steps: at most one timer per (key, time), fired in time order and, for one time, in the
 * order they were set. Timers are grouped by time (a heap of distinct times, each with the set of its keys),
 * so setting, deleting and firing a timer costs no allocation beyond a new time's set.
 */
import { TimerHeap } from "./timer-heap.js";

export class KeyedTimerQueue {
  private readonly times = new TimerHeap<number>();
  private readonly keysByTime = new Map<number, Set<unknown>>();
  private count = 0;

  /** Number of live timers. */
  get size(): number {
    return this.count;
  }

  /** Earliest live timer time, or +Infinity. */
  peekTime(): number {
    for (;;) {
      if (this.times.size === 0) return Number.POSITIVE_INFINITY;
      const t = this.times.peekTime();
      const keys = this.keysByTime.get(t);
      if (keys !== undefined && keys.size > 0) return t;
      this.times.pop();
      this.keysByTime.delete(t);
    }
  }

  /** Sets a timer for `key` at `time` (a second one for the same key and time is ignored). */
  add(key: unknown, time: number): void {
    let keys = this.keysByTime.get(time);
    if (keys === undefined) {
      keys = new Set();
      this.keysByTime.set(time, keys);
      this.times.push(time, time);
    }
    if (!keys.has(key)) {
      keys.add(key);
      this.count++;
    }
  }

  delete(key: unknown, time: number): void {
    if (this.keysByTime.get(time)?.delete(key)) this.count--;
  }

  /**
   * Removes and returns the keys of the earliest time if it is due (`time < bound`, or `≤` when `inclusive`),
   * else undefined. Timers set while firing for a time that is still due fire in a later call.
   */
  popDue(bound: number, inclusive: boolean): { time: number; keys: Set<unknown> } | undefined {
    const t = this.peekTime();
    if (t === Number.POSITIVE_INFINITY || (inclusive ? t > bound : t >= bound)) return undefined;
    this.times.pop();
    const keys = this.keysByTime.get(t)!;
    this.keysByTime.delete(t);
    this.count -= keys.size;
    return { time: t, keys };
  }

  /** Every live timer as [key, time], for snapshots. */
  entries(): Array<[unknown, number]> {
    const out: Array<[unknown, number]> = [];
    for (const [time, keys] of this.keysByTime) for (const key of keys) out.push([key, time]);
    return out.sort((a, b) => a[1] - b[1]);
  }

  clear(): void {
    this.times.clear();
    this.keysByTime.clear();
    this.count = 0;
  }
}
