/**
 * Counts per integer bucket index over a contiguous, growing range, in one `Float64Array` (counts stay exact
 * up to 2^53). DDSketch keeps one store for positive values and one for negative ones.
 */
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

const INITIAL_LENGTH = 64;
const EMPTY = new Float64Array(0);

/**
 * The checkpoint form of a BucketStore: its non-empty buckets in index order, `gaps` holding the first index
 * and then the distance from each index to the next (short numbers for the usual dense runs).
 */
export interface BucketStoreSnapshot {
  gaps: number[];
  counts: number[];
}

/** Bucket counts, e.g. `const s = new BucketStore(); s.add(12, 1); s.total` → 1. */
export class BucketStore {
  /** Sum of all counts. */
  total = 0;
  /** Smallest and largest index with a count (Infinity / -Infinity while empty). */
  minIndex = Number.POSITIVE_INFINITY;
  maxIndex = Number.NEGATIVE_INFINITY;
  /** counts[i] is the count of bucket index `offset + i`. */
  private counts: Float64Array = EMPTY;
  private offset = 0;

  /** Adds `weight` to bucket `index`, e.g. `s.add(-3, 1)`. */
  add(index: number, weight: number): void {
    let i = index - this.offset;
    if (i < 0 || i >= this.counts.length) {
      this.cover(Math.min(index, this.minIndex), Math.max(index, this.maxIndex));
      i = index - this.offset;
    }
    this.counts[i]! += weight;
    this.total += weight;
    if (index < this.minIndex) this.minIndex = index;
    if (index > this.maxIndex) this.maxIndex = index;
  }

  /** The count of bucket `index`, e.g. `s.countAt(12)`. */
  countAt(index: number): number {
    const i = index - this.offset;
    return i >= 0 && i < this.counts.length ? this.counts[i]! : 0;
  }

  /** Adds every count of `other` into this store, e.g. `a.merge(b)`. */
  merge(other: BucketStore): void {
    if (other.total === 0) return;
    const lo = Math.min(this.minIndex, other.minIndex);
    const hi = Math.max(this.maxIndex, other.maxIndex);
    if (lo < this.offset || hi >= this.offset + this.counts.length) this.cover(lo, hi);
    for (let index = other.minIndex; index <= other.maxIndex; index++) {
      this.counts[index - this.offset]! += other.counts[index - other.offset]!;
    }
    this.total += other.total;
    this.minIndex = lo;
    this.maxIndex = hi;
  }

  /** An independent copy, e.g. `s.clone()`. */
  clone(): BucketStore {
    const copy = new BucketStore();
    copy.total = this.total;
    copy.minIndex = this.minIndex;
    copy.maxIndex = this.maxIndex;
    copy.counts = this.counts.slice();
    copy.offset = this.offset;
    return copy;
  }

  /** The JSON form: non-empty buckets only, e.g. `{ gaps: [40, 1, 5], counts: [2, 1, 7] }` for 40, 41, 46. */
  snapshot(): BucketStoreSnapshot {
    const gaps: number[] = [];
    const counts: number[] = [];
    let previous = 0;
    for (let index = this.minIndex; index <= this.maxIndex; index++) {
      const count = this.counts[index - this.offset]!;
      if (count === 0) continue;
      gaps.push(index - previous);
      counts.push(count);
      previous = index;
    }
    return { gaps, counts };
  }

  /** Rebuilds a store from `snapshot()`'s output, e.g. `BucketStore.restore(saved, "quantile")`. */
  static restore(saved: unknown, kind: string): BucketStore {
    const s = saved as Partial<BucketStoreSnapshot> | null;
    const valid =
      typeof s === "object" &&
      s !== null &&
      Array.isArray(s.gaps) &&
      Array.isArray(s.counts) &&
      s.gaps.length === s.counts.length &&
      s.gaps.every((gap, i) => Number.isSafeInteger(gap) && (i === 0 || gap >= 1)) &&
      s.counts.every((count) => typeof count === "number" && count > 0 && Number.isFinite(count));
    if (!valid) {
      throw new InvalidSnapshotError(
        kind,
        "{ gaps: integer[], counts: positive number[] } of equal length",
        saved,
      );
    }
    const store = new BucketStore();
    const gaps = s.gaps as number[];
    const counts = s.counts as number[];
    let index = 0;
    for (let i = 0; i < gaps.length; i++) {
      index += gaps[i]!;
      store.add(index, counts[i]!);
    }
    return store;
  }

  /** Reallocates so indexes `lo`..`hi` fit, with room to grow on both sides. */
  private cover(lo: number, hi: number): void {
    const span = hi - lo + 1;
    let length = Math.max(INITIAL_LENGTH, this.counts.length);
    while (length < span * 1.5) length *= 2;
    const counts = new Float64Array(length);
    const offset = lo - Math.floor((length - span) / 2);
    if (this.total > 0) {
      counts.set(
        this.counts.subarray(this.minIndex - this.offset, this.maxIndex - this.offset + 1),
        this.minIndex - offset,
      );
    }
    this.counts = counts;
    this.offset = offset;
  }
}
