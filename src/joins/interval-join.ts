/**
 * Interval join (Flink's `intervalJoin(...).between(lower, upper)`): a left record l and a right record r
 * with the same key join when r.time ∈ [l.time + lower, l.time + upper], both bounds inclusive. A pair is
 * emitted as soon as its second record arrives, at event time max(l.time, r.time), which is never below the
 * watermark. Each key keeps its left and right records sorted by time; the watermark cleans them: a left
 * record can go once W > l.time + upper, a right one once W > r.time - lower, because no record that can
 * still arrive could match it. An eviction queue ordered by those deadlines means a watermark only touches
 * the keys that have something to drop. Late records (time < W at arrival) go to the dead-letter ledger.
 */
import { batchOf, type Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { decodeWatermark, encodeWatermark, invalidSnapshot, isObject, requireKeys } from "./join-inputs.js";
import { TimeHeap } from "./time-heap.js";
import { TimeSortedBuffer } from "./time-sorted-buffer.js";

/** Options of `IntervalJoinOperator`, e.g. `{ lower: -5_000, upper: 0, join: (ad, click) => ({ ad, click }) }`. */
export interface IntervalJoinOptions<L, R, O> {
  /** Smallest allowed r.time - l.time, in ms (may be negative). */
  readonly lower: number;
  /** Largest allowed r.time - l.time, in ms (may be negative); must be ≥ lower. */
  readonly upper: number;
  /** Builds the result for one matching pair. */
  readonly join: (left: L, right: R) => O;
}

/** Both sides' buffered records of one key. */
class KeyBuffers {
  readonly lefts = new TimeSortedBuffer<unknown>();
  readonly rights = new TimeSortedBuffer<unknown>();
  /** The watermark past which something here can be dropped; the one live entry in the eviction queue. */
  nextEviction = Number.POSITIVE_INFINITY;
  constructor(readonly key: unknown) {}
}

/** The snapshot: per key `[key, leftTimes, lefts, rightTimes, rights]`. */
type SavedKey = [unknown, number[], unknown[], number[], unknown[]];

/**
 * Joins input 0 (left) and input 1 (right) on their keys within a time interval, e.g.
 * `new IntervalJoinOperator({ lower: 0, upper: 60_000, join: (order, shipment) => ({ order, shipment }) })`
 * pairs each order with the shipments of the same key in the minute after it.
 */
export class IntervalJoinOperator<L, R, O> implements Operator<unknown, O> {
  private readonly lower: number;
  private readonly upper: number;
  private readonly join: (left: L, right: R) => O;
  private context: OperatorContext | undefined;
  /** Highest watermark seen (restored from a snapshot too), so lateness holds across a restore. */
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly buffers = new Map<unknown, KeyBuffers>();
  /** Keys by the watermark that lets them drop records; stale entries are skipped when popped. */
  private readonly evictions = new TimeHeap<KeyBuffers>();
  private buffered = 0;

  constructor(options: IntervalJoinOptions<L, R, O>) {
    const { lower, upper, join } = options;
    if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper) {
      throw new RangeError(`IntervalJoinOperator needs finite bounds with lower ≤ upper, got [${lower}, ${upper}]`);
    }
    if (typeof join !== "function") throw new TypeError("IntervalJoinOperator needs a join function");
    this.lower = lower;
    this.upper = upper;
    this.join = join;
  }

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<unknown>, out: Collector<O>, input: number): void {
    const keys = requireKeys(batch, this.context, input);
    const context = this.context!;
    const stepWatermark = context.watermark();
    const watermark = stepWatermark > this.watermark ? stepWatermark : this.watermark;
    const { items, times } = batch;
    const n = items.length;
    const outItems: O[] = [];
    const outTimes: number[] = [];
    const outKeys: unknown[] = [];
    const { lower, upper, join, buffers } = this;
    const left = input === 0;
    for (let i = 0; i < n; i++) {
      const time = times[i]!;
      const item = items[i];
      if (time < watermark) {
        context.deadLetter("late", item, time);
        continue;
      }
      const key = keys[i];
      let kb = buffers.get(key);
      if (left) {
        if (kb !== undefined && kb.rights.size > 0) {
          const other = kb.rights;
          const otherTimes = other.times;
          const otherItems = other.items;
          const end = otherTimes.length;
          const hi = time + upper;
          for (let j = other.lowerBound(time + lower); j < end; j++) {
            const t = otherTimes[j]!;
            if (t > hi) break;
            outItems.push(join(item as L, otherItems[j] as R));
            outTimes.push(t > time ? t : time);
            outKeys.push(key);
          }
        }
        const deadline = time + upper;
        if (deadline >= watermark) {
          if (kb === undefined) buffers.set(key, (kb = new KeyBuffers(key)));
          kb.lefts.insert(time, item);
          this.buffered++;
          if (deadline < kb.nextEviction) this.schedule(kb, deadline);
        }
      } else {
        if (kb !== undefined && kb.lefts.size > 0) {
          const other = kb.lefts;
          const otherTimes = other.times;
          const otherItems = other.items;
          const end = otherTimes.length;
          const hi = time - lower;
          for (let j = other.lowerBound(time - upper); j < end; j++) {
            const t = otherTimes[j]!;
            if (t > hi) break;
            outItems.push(join(otherItems[j] as L, item as R));
            outTimes.push(t > time ? t : time);
            outKeys.push(key);
          }
        }
        const deadline = time - lower;
        if (deadline >= watermark) {
          if (kb === undefined) buffers.set(key, (kb = new KeyBuffers(key)));
          kb.rights.insert(time, item);
          this.buffered++;
          if (deadline < kb.nextEviction) this.schedule(kb, deadline);
        }
      }
    }
    if (outItems.length > 0) out.emit(batchOf(outItems, outTimes, outKeys));
  }

  onWatermark(time: number, _out: Collector<O>): void {
    if (time > this.watermark) this.watermark = time;
    if (time === Number.POSITIVE_INFINITY) {
      // End of input: nothing can match any more.
      this.buffers.clear();
      this.evictions.clear();
      this.buffered = 0;
      return;
    }
    const evictions = this.evictions;
    const leftBound = time - this.upper;
    const rightBound = time + this.lower;
    while (evictions.peekTime() < time) {
      const due = evictions.peekTime();
      const kb = evictions.pop();
      if (kb.nextEviction !== due) continue; // superseded by an earlier deadline, or the key is gone
      kb.nextEviction = Number.POSITIVE_INFINITY;
      const { lefts, rights } = kb;
      const leftKeep = lefts.lowerBound(leftBound);
      const rightKeep = rights.lowerBound(rightBound);
      if (leftKeep === lefts.times.length && rightKeep === rights.times.length) {
        this.buffered -= lefts.size + rights.size;
        this.buffers.delete(kb.key);
        continue;
      }
      this.buffered -= lefts.dropTo(leftKeep) + rights.dropTo(rightKeep);
      this.schedule(kb, this.deadlineOf(kb));
    }
  }

  snapshot(): unknown {
    const keys: SavedKey[] = [];
    for (const kb of this.buffers.values()) {
      keys.push([kb.key, kb.lefts.liveTimes(), kb.lefts.liveItems(), kb.rights.liveTimes(), kb.rights.liveItems()]);
    }
    return { watermark: encodeWatermark(this.watermark), keys };
  }

  restore(saved: unknown): void {
    if (!isObject(saved) || !Array.isArray(saved.keys)) invalidSnapshot("IntervalJoinOperator", "expected { watermark, keys }");
    this.buffers.clear();
    this.evictions.clear();
    this.buffered = 0;
    this.watermark = decodeWatermark(saved.watermark);
    for (const entry of saved.keys as SavedKey[]) {
      if (!Array.isArray(entry) || entry.length !== 5) invalidSnapshot("IntervalJoinOperator", "a key entry is not a 5-tuple");
      const [key, leftTimes, lefts, rightTimes, rights] = entry;
      const kb = new KeyBuffers(key);
      for (let i = 0; i < leftTimes.length; i++) kb.lefts.insert(leftTimes[i]!, lefts[i]);
      for (let i = 0; i < rightTimes.length; i++) kb.rights.insert(rightTimes[i]!, rights[i]);
      this.buffered += kb.lefts.size + kb.rights.size;
      if (kb.lefts.size + kb.rights.size === 0) continue;
      this.buffers.set(key, kb);
      this.schedule(kb, this.deadlineOf(kb));
    }
  }

  /** Buffered records, both sides; for tests and metrics. */
  stateSize(): number {
    return this.buffered;
  }

  /** The watermark past which the oldest record of `kb` can be dropped. */
  private deadlineOf(kb: KeyBuffers): number {
    const l = kb.lefts.size > 0 ? kb.lefts.times[kb.lefts.head]! + this.upper : Number.POSITIVE_INFINITY;
    const r = kb.rights.size > 0 ? kb.rights.times[kb.rights.head]! - this.lower : Number.POSITIVE_INFINITY;
    return l < r ? l : r;
  }

  private schedule(kb: KeyBuffers, deadline: number): void {
    kb.nextEviction = deadline;
    this.evictions.push(deadline, kb);
  }
}
