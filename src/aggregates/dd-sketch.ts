/**
 * DDSketch (Masson, Rim & Lee, 2019): a quantile sketch with relative-error guarantees. Values fall into
 * logarithmic buckets — index ⌈log_γ |v|⌉ with γ = (1 + α) / (1 − α) — so every value is represented within
 * relative accuracy α. Positive and negative values have separate bucket stores, values too close to zero
 * to index go to a zero count, and the exact minimum and maximum are kept to clamp answers. Sketches with
 * the same α merge exactly by adding bucket counts.
 */
import { BucketStore } from "./bucket-store.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { decodeNumber, encodeNumber } from "./json-number.js";

/** The checkpoint form of a DDSketch. */
export interface DDSketchSnapshot {
  relativeAccuracy: number;
  zeroCount: number;
  min: unknown;
  max: unknown;
  positive: unknown;
  negative: unknown;
}

/** A DDSketch with relative accuracy α, e.g. `const s = new DDSketch(0.01); s.add(12.5); s.quantile(0.99)`. */
export class DDSketch {
  readonly relativeAccuracy: number;
  /** Number of values added. */
  count = 0;
  /** Exact extremes of the values added (Infinity / -Infinity while empty). */
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Values whose magnitude is below `minIndexable` (including 0 and -0). */
  zeroCount = 0;
  positive = new BucketStore();
  negative = new BucketStore();
  private readonly logGamma: number;
  private readonly inverseLogGamma: number;
  private readonly minIndexable: number;
  /** 2 / (γ + 1): bucket index i is answered with its representative γ^i · 2 / (γ + 1). */
  private readonly representativeFactor: number;

  constructor(relativeAccuracy: number) {
    this.relativeAccuracy = relativeAccuracy;
    const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(gamma);
    this.inverseLogGamma = 1 / this.logGamma;
    // Smallest normal double, scaled so the lowest bucket's representative stays a normal number.
    this.minIndexable = 2.2250738585072014e-308 * gamma;
    this.representativeFactor = 2 / (1 + gamma);
  }

  /** Adds one finite value, e.g. `s.add(-3.2)`; throws a RangeError for NaN or ±Infinity. */
  add(value: number): void {
    if (value > this.minIndexable) {
      if (value === Number.POSITIVE_INFINITY) throw notFinite(value);
      this.positive.add(Math.ceil(Math.log(value) * this.inverseLogGamma), 1);
    } else if (value < -this.minIndexable) {
      if (value === Number.NEGATIVE_INFINITY) throw notFinite(value);
      this.negative.add(Math.ceil(Math.log(-value) * this.inverseLogGamma), 1);
    } else if (!Number.isNaN(value)) {
      this.zeroCount++;
    } else {
      throw notFinite(value);
    }
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /**
   * The value at rank ⌊q · (count − 1)⌋ of the sorted input, within relative accuracy α; null when empty,
   * e.g. `s.quantile(0.5)`.
   */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    // The extremes are known exactly.
    if (rank < 1) return this.min;
    if (rank >= this.count - 1) return this.max;
    // Bucket representatives can fall just outside the exact extremes; clamp them back.
    return Math.min(Math.max(this.bucketValueAtRank(rank), this.min), this.max);
  }

  /** Adds every value of `other` (same relative accuracy) into this sketch, e.g. `a.merge(b)`. */
  merge(other: DDSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new RangeError(
        `cannot merge quantile sketches of relative accuracy ${this.relativeAccuracy} and ` +
          `${other.relativeAccuracy}; give every quantile that feeds one result the same relativeAccuracy`,
      );
    }
    this.positive.merge(other.positive);
    this.negative.merge(other.negative);
    this.zeroCount += other.zeroCount;
    this.count += other.count;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** An independent copy, e.g. `s.clone()`. */
  clone(): DDSketch {
    const copy = new DDSketch(this.relativeAccuracy);
    copy.count = this.count;
    copy.min = this.min;
    copy.max = this.max;
    copy.zeroCount = this.zeroCount;
    copy.positive = this.positive.clone();
    copy.negative = this.negative.clone();
    return copy;
  }

  /** The JSON form, e.g. `JSON.stringify(s.snapshot())`. */
  snapshot(): DDSketchSnapshot {
    return {
      relativeAccuracy: this.relativeAccuracy,
      zeroCount: this.zeroCount,
      min: encodeNumber(this.min),
      max: encodeNumber(this.max),
      positive: this.positive.snapshot(),
      negative: this.negative.snapshot(),
    };
  }

  /** Rebuilds a sketch from `snapshot()`'s output, e.g. `DDSketch.restore(saved, 0.01, "quantile")`. */
  static restore(saved: unknown, relativeAccuracy: number, kind: string): DDSketch {
    const s = saved as Partial<DDSketchSnapshot> | null;
    const expected = `a DDSketch snapshot with relativeAccuracy ${relativeAccuracy}`;
    if (typeof s !== "object" || s === null || s.relativeAccuracy !== relativeAccuracy) {
      throw new InvalidSnapshotError(kind, expected, saved);
    }
    const min = decodeNumber(s.min);
    const max = decodeNumber(s.max);
    const zeroCount = s.zeroCount;
    if (min === undefined || max === undefined || typeof zeroCount !== "number" || !(zeroCount >= 0)) {
      throw new InvalidSnapshotError(kind, expected, saved);
    }
    const sketch = new DDSketch(relativeAccuracy);
    sketch.positive = BucketStore.restore(s.positive, kind);
    sketch.negative = BucketStore.restore(s.negative, kind);
    sketch.zeroCount = zeroCount;
    sketch.count = zeroCount + sketch.positive.total + sketch.negative.total;
    sketch.min = min;
    sketch.max = max;
    return sketch;
  }

  /** The representative value of the bucket holding the element of rank ⌊rank⌋, in sorted order. */
  private bucketValueAtRank(rank: number): number {
    let seen = 0;
    const negative = this.negative;
    for (let index = negative.maxIndex; index >= negative.minIndex; index--) {
      seen += negative.countAt(index);
      if (seen > rank) return -this.representative(index);
    }
    seen += this.zeroCount;
    if (seen > rank) return 0;
    const positive = this.positive;
    for (let index = positive.minIndex; index <= positive.maxIndex; index++) {
      seen += positive.countAt(index);
      if (seen > rank) return this.representative(index);
    }
    return this.max;
  }

  private representative(index: number): number {
    return Math.exp(index * this.logGamma) * this.representativeFactor;
  }
}

/**
 * `value` when a sketch can rank it, e.g. `rankable(12.5)` → 12.5; throws the RangeError `add` would throw
 * for NaN, ±Infinity or a value that is not a number, so callers can refuse a record before changing anything.
 */
export function rankable(value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw notFinite(value);
  return value;
}

function notFinite(value: number): RangeError {
  return new RangeError(
    `cannot add ${value} to a quantile sketch (quantile / quantiles): only finite numbers can be ranked; ` +
      "filter out or replace non-finite values before aggregating",
  );
}
