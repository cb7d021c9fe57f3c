/**
 * Space-Saving (Metwally, Agrawal & El Abbadi, 2005): heavy hitters in a fixed number of counters. A new
 * value takes over the smallest counter (count + 1, remembering that count as its possible overestimate), so
 * every reported count is an upper bound, `count − error` is a lower bound, and every value seen more than
 * n / capacity times is kept. Counts are exact while no more than `capacity` distinct values were seen.
 * Counters sit in a min-heap (by slot, through index arrays) so the smallest is found in O(1) and a bump
 * costs O(log capacity), without allocating. Merging follows Parallel Space Saving (Cafaro, Pulimeno &
 * Tempesta, 2016; ClickHouse's topK merges the same way): a value missing from one side is counted there at
 * that side's minimum, then the largest `capacity` counters are kept. Here the minimum is only added once
 * that side has evicted something (before that, a missing value really has count 0), which keeps merges of
 * small summaries exact.
 */
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

/** The values Space-Saving can count: they are Map keys, are ordered for ties and must survive JSON. */
export type CountedValue = string | number;

/** One counted value and its (upper-bound) count. */
export interface ValueCount<V> {
  value: V;
  count: number;
}

/** The checkpoint form: counters as `[value, count, error]` in heap order. */
export interface SpaceSavingSnapshot<V> {
  evicted: boolean;
  counters: Array<[V, number, number]>;
}

const INITIAL_SLOTS = 8;

/** A Space-Saving summary with `capacity` counters, e.g. `const s = new SpaceSaving<string>(100); s.add("a")`. */
export class SpaceSaving<V extends CountedValue> {
  readonly capacity: number;
  /** Number of counters in use. */
  size = 0;
  /** True once some value lost its counter: unmonitored values may then have occurred up to the minimum count. */
  evicted = false;
  private slotOf = new Map<V, number>();
  private values: V[] = [];
  private counts = new Float64Array(INITIAL_SLOTS);
  private errors = new Float64Array(INITIAL_SLOTS);
  /** heap[position] = slot, a min-heap on counts. */
  private heap = new Int32Array(INITIAL_SLOTS);
  /** position[slot] = where the slot sits in `heap`. */
  private position = new Int32Array(INITIAL_SLOTS);

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Counts one occurrence of `value`, e.g. `s.add("page-7")`. */
  add(value: V): void {
    const slot = this.slotOf.get(value);
    if (slot !== undefined) {
      this.counts[slot]!++;
      this.siftDown(this.position[slot]!);
    } else if (this.size < this.capacity) {
      this.push(value, 1, 0);
      this.siftUp(this.size - 1);
    } else {
      const smallest = this.heap[0]!;
      const floor = this.counts[smallest]!;
      this.slotOf.delete(this.values[smallest]!);
      this.slotOf.set(value, smallest);
      this.values[smallest] = value;
      this.counts[smallest] = floor + 1;
      this.errors[smallest] = floor;
      this.evicted = true;
      this.siftDown(0);
    }
  }

  /**
   * Folds `other` into this summary: a value missing from one side is counted there at that side's floor
   * (its minimum count once it has evicted, else 0); the largest `capacity` counters are kept, e.g. `a.merge(b)`.
   */
  merge(other: SpaceSaving<V>): void {
    const ownFloor = this.floor();
    const otherFloor = other.floor();
    const merged: Array<[V, number, number]> = [];
    for (let slot = 0; slot < this.size; slot++) {
      const value = this.values[slot]!;
      const there = other.slotOf.get(value);
      const count = there === undefined ? otherFloor : other.counts[there]!;
      const error = there === undefined ? otherFloor : other.errors[there]!;
      merged.push([value, this.counts[slot]! + count, this.errors[slot]! + error]);
    }
    for (let slot = 0; slot < other.size; slot++) {
      const value = other.values[slot]!;
      if (this.slotOf.has(value)) continue;
      merged.push([value, other.counts[slot]! + ownFloor, other.errors[slot]! + ownFloor]);
    }
    merged.sort(byCountThenValue);
    const truncated = merged.length > this.capacity;
    if (truncated) merged.length = this.capacity;
    this.load(merged);
    this.evicted = this.evicted || other.evicted || truncated;
  }

  /** The counters, largest count first, ties by value ascending, e.g. `s.top(3)` → `[{ value: "a", count: 9 }, …]`. */
  top(k: number): Array<ValueCount<V>> {
    const all: Array<[V, number, number]> = [];
    for (let slot = 0; slot < this.size; slot++) all.push([this.values[slot]!, this.counts[slot]!, 0]);
    all.sort(byCountThenValue);
    const out: Array<ValueCount<V>> = [];
    for (let i = 0; i < all.length && i < k; i++) out.push({ value: all[i]![0], count: all[i]![1] });
    return out;
  }

  /** An independent copy, e.g. `s.clone()`. */
  clone(): SpaceSaving<V> {
    const copy = new SpaceSaving<V>(this.capacity);
    copy.size = this.size;
    copy.evicted = this.evicted;
    copy.slotOf = new Map(this.slotOf);
    copy.values = this.values.slice();
    copy.counts = this.counts.slice();
    copy.errors = this.errors.slice();
    copy.heap = this.heap.slice();
    copy.position = this.position.slice();
    return copy;
  }

  /** The JSON form, counters in heap order so a restored summary evicts exactly as this one would. */
  snapshot(): SpaceSavingSnapshot<V> {
    const counters: Array<[V, number, number]> = [];
    for (let i = 0; i < this.size; i++) {
      const slot = this.heap[i]!;
      counters.push([this.values[slot]!, this.counts[slot]!, this.errors[slot]!]);
    }
    return { evicted: this.evicted, counters };
  }

  /** Rebuilds a summary of `capacity` counters from `snapshot()`'s output, e.g. `SpaceSaving.restore(saved, 100)`. */
  static restore<V extends CountedValue>(saved: unknown, capacity: number): SpaceSaving<V> {
    const s = saved as Partial<SpaceSavingSnapshot<V>> | null;
    const valid =
      typeof s === "object" &&
      s !== null &&
      typeof s.evicted === "boolean" &&
      Array.isArray(s.counters) &&
      s.counters.length <= capacity &&
      s.counters.every(
        (c) =>
          Array.isArray(c) &&
          (typeof c[0] === "string" || typeof c[0] === "number") &&
          Number.isSafeInteger(c[1]) &&
          Number.isSafeInteger(c[2]) &&
          c[2] >= 0 &&
          c[2] < c[1],
      ) &&
      new Set(s.counters.map((c) => c[0])).size === s.counters.length;
    if (!valid) {
      throw new InvalidSnapshotError(
        "topK",
        `{ evicted: boolean, counters: [value, count, error][] } with at most ${capacity} distinct values`,
        saved,
      );
    }
    const summary = new SpaceSaving<V>(capacity);
    summary.load(s.counters as Array<[V, number, number]>);
    summary.evicted = s.evicted as boolean;
    return summary;
  }

  /** What an unmonitored value may have counted: the smallest count once something was evicted, else 0. */
  private floor(): number {
    return this.evicted && this.size > 0 ? this.counts[this.heap[0]!]! : 0;
  }

  /** Replaces all counters with `counters`, then restores the heap (a valid heap order is kept as it is). */
  private load(counters: Array<[V, number, number]>): void {
    this.size = 0;
    this.slotOf = new Map();
    this.values = [];
    for (const [value, count, error] of counters) this.push(value, count, error);
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Appends a counter at the end of the heap (the caller restores heap order). */
  private push(value: V, count: number, error: number): void {
    const slot = this.size;
    if (slot === this.counts.length) this.grow();
    this.slotOf.set(value, slot);
    this.values[slot] = value;
    this.counts[slot] = count;
    this.errors[slot] = error;
    this.heap[slot] = slot;
    this.position[slot] = slot;
    this.size++;
  }

  private grow(): void {
    const length = Math.min(this.capacity, this.counts.length * 2);
    const counts = new Float64Array(length);
    counts.set(this.counts);
    const errors = new Float64Array(length);
    errors.set(this.errors);
    const heap = new Int32Array(length);
    heap.set(this.heap);
    const position = new Int32Array(length);
    position.set(this.position);
    this.counts = counts;
    this.errors = errors;
    this.heap = heap;
    this.position = position;
  }

  private siftDown(at: number): void {
    const { heap, position, counts } = this;
    const n = this.size;
    const slot = heap[at]!;
    const count = counts[slot]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && counts[heap[child + 1]!]! < counts[heap[child]!]!) child++;
      const childSlot = heap[child]!;
      if (counts[childSlot]! >= count) break;
      heap[at] = childSlot;
      position[childSlot] = at;
      at = child;
    }
    heap[at] = slot;
    position[slot] = at;
  }

  private siftUp(at: number): void {
    const { heap, position, counts } = this;
    const slot = heap[at]!;
    const count = counts[slot]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const parentSlot = heap[parent]!;
      if (counts[parentSlot]! <= count) break;
      heap[at] = parentSlot;
      position[parentSlot] = at;
      at = parent;
    }
    heap[at] = slot;
    position[slot] = at;
  }
}

/** Orders counters by count descending, then value ascending (numbers before strings). */
function byCountThenValue<V extends CountedValue>(a: [V, number, number], b: [V, number, number]): number {
  if (a[1] !== b[1]) return b[1] - a[1];
  const x = a[0];
  const y = b[0];
  if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
